// ONNX: every model kind and part, exported and run in onnxruntime-node, gives what test/encode/decode give (within
// 1e-5 relative to max(1, |value|)) at any batch size; ours → ONNX → ours is bit-exact; PyTorch's export of a flat
// nn.Sequential is read; and fromOnnx refuses, with a DataFormatError naming the node or tensor, whatever is not a
// graph of dense layers, malformed or hostile bytes among them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { clearField, create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { AttributeProto_AttributeType, ModelProtoSchema, NodeProtoSchema, TensorProtoSchema, TensorProto_DataType, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import { Autoencoder, DataFormatError, VariationalAutoencoder, type Matrix } from '../../src/entries/index.js';
import { fromOnnx, MAX_LISTED_NUMBERS, MAX_NESTING, MAX_OBJECTS, MAX_TENSOR_VALUES, ONNX_OPSET, toOnnx, type OnnxPart } from '../../src/interop/onnx.js';
import { assertWithin1e5, randomRows } from './helpers.js';
import { PYTHON, PYTHON_TIMEOUT_MS, torchMissing } from './torch.js';

type Model = Autoencoder | VariationalAutoencoder;

/** Every model kind the issue names, each trained for a few epochs so its weights are not just their initial draw. */
function models(): { label: string; model: Model }[] {
  const list: { label: string; model: Model }[] = [
    { label: 'Autoencoder 5 → 3 (tanh)', model: new Autoencoder(5, 3, { seed: 2 }) },
    { label: 'Autoencoder 9 → [6, 4, 3] (relu, sigmoid output, bce)', model: new Autoencoder(9, [6, 4, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 3 }) },
    { label: 'Autoencoder 7 → [5, 2] (elu, leakyRelu output)', model: new Autoencoder(7, [5, 2], { activation: 'elu', outputActivation: 'leakyRelu', loss: 'mse', seed: 4 }) },
    { label: 'Autoencoder 6 → [4] (leakyRelu, elu output)', model: new Autoencoder(6, [4], { activation: 'leakyRelu', outputActivation: 'elu', seed: 5 }) },
    { label: 'Autoencoder 6 → [4] (sigmoid, tanh output)', model: new Autoencoder(6, [4], { activation: 'sigmoid', outputActivation: 'tanh', seed: 6 }) },
    { label: 'VariationalAutoencoder 6 → 2, hidden []', model: new VariationalAutoencoder(6, 2, { seed: 7 }) },
    { label: 'VariationalAutoencoder 48 → [24] → 3 (relu, sigmoid output, bce, β 0.5)', model: new VariationalAutoencoder(48, 3, { hidden: [24], activation: 'relu', outputActivation: 'sigmoid', klWeight: 0.5, seed: 8 }) },
    { label: 'VariationalAutoencoder 8 → [6, 5] → 2 (elu)', model: new VariationalAutoencoder(8, 2, { hidden: [6, 5], activation: 'elu', seed: 9 }) },
  ];
  for (const { model } of list) model.train(randomRows(24, model.inputDim, 1, 0, 1), { epochs: 3, batchSize: 6, logEvery: 0 });
  return list;
}

const codeWidth = (model: Model) => (model instanceof Autoencoder ? model.hidden.at(-1)! : model.latentDim);

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) =>
  assertWithin1e5(actual, expected, what, (a, e) => `onnxruntime ${a}, ours ${e} (error ${Math.abs(a - e) / Math.max(1, Math.abs(e))})`);

const flat = (rows: number[][]) => Float32Array.from(rows.flat());

/** Runs `bytes` in onnxruntime-node on `input` (rows × cols), returning its outputs by name, and its names. */
async function runOnnx(bytes: Uint8Array, feed: string, rows: number[][]): Promise<{ outputs: Record<string, Float32Array>; inputNames: readonly string[]; outputNames: readonly string[]; dims: Record<string, readonly number[]> }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [feed]: new ort.Tensor('float32', flat(rows), [rows.length, rows[0]!.length]) });
    const outputs: Record<string, Float32Array> = {}, dims: Record<string, readonly number[]> = {};
    for (const [name, tensor] of Object.entries(result)) {
      outputs[name] = tensor.data as Float32Array;
      dims[name] = tensor.dims;
    }
    return { outputs, inputNames: session.inputNames, outputNames: session.outputNames, dims };
  } finally {
    await session.release();
  }
}

/** What our model gives for one part: its outputs by the names the ONNX graph gives them. */
function ours(model: Model, part: OnnxPart, rows: number[][]): Record<string, Matrix<Float32Array>> {
  if (model instanceof Autoencoder) {
    if (part === 'autoencoder') return { reconstruction: model.test(rows).reconstructed };
    if (part === 'encoder') return { code: model.encode(rows) };
    return { reconstruction: model.decode(rows) };
  }
  if (part === 'decoder') return { reconstruction: model.decode(rows) };
  const { mean, logVar } = model.encode(rows);
  if (part === 'encoder') return { mean, log_var: logVar };
  return { reconstruction: model.decode(mean), mean, log_var: logVar };
}

const EXPECTED_NAMES: Record<'autoencoder' | 'vae', Record<OnnxPart, [string[], string[]]>> = {
  autoencoder: { autoencoder: [['input'], ['reconstruction']], encoder: [['input'], ['code']], decoder: [['code'], ['reconstruction']] },
  vae: { autoencoder: [['input'], ['reconstruction', 'mean', 'log_var']], encoder: [['input'], ['mean', 'log_var']], decoder: [['code'], ['reconstruction']] },
};

test('every model kind and part runs in onnxruntime-node and gives what test, encode and decode give, at batch sizes 1, 7 and 64', async () => {
  for (const { label, model } of models()) {
    const kind = model instanceof Autoencoder ? 'autoencoder' : 'vae';
    for (const part of ['autoencoder', 'encoder', 'decoder'] as const) {
      const bytes = toOnnx(model, { part });
      const width = part === 'decoder' ? codeWidth(model) : model.inputDim;
      for (const [batch, seed] of [[1, 11], [7, 12], [64, 13]] as const) {
        const rows = randomRows(batch, width, seed, part === 'decoder' ? -2 : 0, part === 'decoder' ? 2 : 1);
        const run = await runOnnx(bytes, part === 'decoder' ? 'code' : 'input', rows);
        const [inputs, outputs] = EXPECTED_NAMES[kind][part];
        assert.deepEqual([run.inputNames, run.outputNames], [inputs, outputs], `${label}, ${part}: input and output names`);
        for (const [name, expected] of Object.entries(ours(model, part, rows))) {
          assert.deepEqual(run.dims[name], [batch, expected.cols], `${label}, ${part}: ${name}'s dims`);
          assertClose(run.outputs[name]!, expected.data, `${label}, ${part}, batch ${batch}: ${name}`);
        }
      }
    }
    model.dispose();
  }
});

test('the graph: opset 17, a dynamic batch, one Gemm (B = weights in × out, C = biases) and one activation node per layer, float32 initializers', () => {
  const ae = new Autoencoder(7, [5, 2], { activation: 'elu', outputActivation: 'leakyRelu', seed: 4 });
  const proto = fromBinary(ModelProtoSchema, toOnnx(ae));
  assert.equal(proto.irVersion, 8n);
  assert.deepEqual(proto.opsetImport.map((o) => [o.domain, o.version]), [['', BigInt(ONNX_OPSET)]]);
  assert.equal(ONNX_OPSET, 17);
  const graph = proto.graph!;
  assert.deepEqual(graph.node.map((n) => `${n.name}: ${n.opType}(${n.input.join(', ')}) → ${n.output.join(', ')}`), [
    'encode/Gemm: Gemm(input, encode/weights, encode/biases) → encode/gemm',
    'encode/Elu: Elu(encode/gemm) → encode/output',
    'encode_1/Gemm: Gemm(encode/output, encode_1/weights, encode_1/biases) → encode_1/gemm',
    'encode_1/Elu: Elu(encode_1/gemm) → encode_1/output',
    'decode/Gemm: Gemm(encode_1/output, decode/weights, decode/biases) → decode/gemm',
    'decode/Elu: Elu(decode/gemm) → decode/output',
    'decode_1/Gemm: Gemm(decode/output, decode_1/weights, decode_1/biases) → decode_1/gemm',
    'decode_1/LeakyRelu: LeakyRelu(decode_1/gemm) → reconstruction',
  ]);
  const alphas = graph.node.filter((n) => n.attribute.length > 0).map((n) => [n.opType, n.attribute.map((a) => [a.name, a.type, a.f])]);
  assert.deepEqual(alphas, [
    ...Array(3).fill(['Elu', [['alpha', AttributeProto_AttributeType.FLOAT, 1]]]),
    ['LeakyRelu', [['alpha', AttributeProto_AttributeType.FLOAT, Math.fround(0.01)]]],
  ]);
  const weights = ae.getWeights();
  for (const tensor of graph.initializer) {
    const w = weights[tensor.name as keyof typeof weights];
    assert.equal(tensor.dataType, TensorProto_DataType.FLOAT);
    assert.deepEqual(tensor.dims, tensor.name.endsWith('/weights') ? [BigInt(w.rows), BigInt(w.cols)] : [BigInt(w.cols)]);
    assert.deepEqual(new Uint8Array(tensor.rawData), new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  }
  assert.deepEqual(graph.initializer.map((t) => t.name), Object.keys(weights));
  for (const info of [...graph.input, ...graph.output]) {
    const shape = info.type!.value.case === 'tensorType' ? info.type!.value.value.shape!.dim.map((d) => d.value) : [];
    assert.deepEqual(shape, [{ case: 'dimParam', value: 'batch' }, { case: 'dimValue', value: 7n }]);
  }
  const linear = fromBinary(ModelProtoSchema, toOnnx(new VariationalAutoencoder(6, 2, { seed: 1 }), { part: 'encoder' })).graph!;
  assert.deepEqual(linear.node.map((n) => `${n.opType} → ${n.output}`), ['Gemm → mean', 'Gemm → log_var'], 'linear layers have no activation node');
  ae.dispose();
});

test('round trip: ours → ONNX → ours gives every kind back, weights bit for bit, options as they were, optimizer state fresh; writing it again gives the same bytes', async () => {
  for (const { label, model } of models()) {
    const bytes = toOnnx(model);
    const copy = fromOnnx(bytes, 'model.onnx');
    assert.equal(copy.constructor, model.constructor, label);
    const bits = (m: Model) => Object.entries(m.getWeights()).map(([name, w]) => [name, w.rows, w.cols, [...new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)]]);
    assert.deepEqual(bits(copy), bits(model), `${label}: weights bit for bit`);
    assert.equal(copy.epochsTrained, 0, `${label}: a fresh model`);
    const { activation, outputActivation } = model.options;
    assert.deepEqual([copy.options.activation, copy.options.outputActivation], [activation, outputActivation], label);
    if (model instanceof Autoencoder) assert.equal((copy as Autoencoder).options.loss, model.options.loss, label);
    else {
      const vae = copy as VariationalAutoencoder;
      assert.deepEqual([vae.latentDim, vae.hidden, vae.options.reconstruction, vae.options.klWeight], [model.latentDim, model.hidden, model.options.reconstruction, model.options.klWeight], label);
    }
    assert.deepEqual(toOnnx(copy), bytes, `${label}: written again, the same bytes`);
    const rows = randomRows(5, model.inputDim, 21, 0, 1);
    if (model instanceof Autoencoder) assert.deepEqual((copy as Autoencoder).test(rows), model.test(rows), label);
    else assert.deepEqual((copy as VariationalAutoencoder).evaluate(rows), model.evaluate(rows), label);
    copy.train(rows, { epochs: 1, logEvery: 0 }); // it trains
    copy.dispose();
    model.dispose();
  }
});

// --- Forging files: our export, decoded, changed, and encoded again with the same protobuf library. ---

function forge(model: Model, change: (proto: ModelProto) => void, part: OnnxPart = 'autoencoder'): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, toOnnx(model, { part }));
  change(proto);
  return toBinary(ModelProtoSchema, proto);
}
const node = (proto: ModelProto, name: string): NodeProto => proto.graph!.node.find((n) => n.name === name)!;
const initializer = (proto: ModelProto, name: string): TensorProto => proto.graph!.initializer.find((t) => t.name === name)!;
const withoutMetadata = (proto: ModelProto) => void (proto.metadataProps = []);
/** Our Gemm layers as MatMul then Add (the bias first when `biasFirst`), as other exporters write them. */
function asMatMulAdd(proto: ModelProto, biasFirst = false): void {
  proto.graph!.node = proto.graph!.node.flatMap((n) => {
    if (n.opType !== 'Gemm') return [n];
    const [x, w, b] = n.input as [string, string, string];
    const product = `${n.output[0]}/matmul`;
    return [
      create(NodeProtoSchema, { name: `${n.name}/MatMul`, opType: 'MatMul', input: [x, w], output: [product] }),
      create(NodeProtoSchema, { name: `${n.name}/Add`, opType: 'Add', input: biasFirst ? [b, product] : [product, b], output: n.output }),
    ];
  });
}
function refused(bytes: Uint8Array | ArrayBuffer, pattern: RegExp): void {
  assert.throws(() => fromOnnx(bytes, 'forged.onnx'), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `a DataFormatError, got ${String(error)}`);
    assert.match(error.message, /^forged\.onnx: /);
    assert.match(error.message, pattern);
    return true;
  });
}
function sameWeights(a: Model, b: Model): void {
  assert.deepEqual(a.getWeights(), b.getWeights());
}

test('other writers\' forms of the same graph are read: MatMul + Add (either order), Gemm with transB (weights out × in), float_data, biases [1, out], initializers listed as inputs, no metadata', async () => {
  const ae = new Autoencoder(6, [4, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'mse', seed: 12 });
  const forms: [string, (proto: ModelProto) => void][] = [
    ['MatMul + Add', (p) => asMatMulAdd(p)],
    ['Add(bias, MatMul)', (p) => asMatMulAdd(p, true)],
    ['Gemm transB = 1', (p) => {
      for (const n of p.graph!.node.filter((n) => n.opType === 'Gemm')) {
        const W = initializer(p, n.input[1]!);
        const [rows, cols] = W.dims.map(Number) as [number, number];
        const values = new Float32Array(W.rawData.buffer.slice(W.rawData.byteOffset, W.rawData.byteOffset + W.rawData.byteLength));
        const t = new Float32Array(values.length);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = values[r * cols + c]!;
        W.rawData = new Uint8Array(t.buffer);
        W.dims = [BigInt(cols), BigInt(rows)];
        n.attribute.push(create(NodeProtoSchema, { attribute: [{ name: 'transB', type: AttributeProto_AttributeType.INT, i: 1n }] }).attribute[0]!);
      }
    }],
    ['float_data', (p) => {
      for (const t of p.graph!.initializer) {
        t.floatData = [...new Float32Array(t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.byteLength))];
        clearField(t, TensorProtoSchema.field.rawData);
      }
    }],
    ['biases [1, out]', (p) => { for (const t of p.graph!.initializer.filter((t) => t.name.endsWith('/biases'))) t.dims = [1n, ...t.dims]; }],
    ['initializers as inputs, IR 3, opset 9', (p) => {
      p.irVersion = 3n;
      p.opsetImport[0]!.version = 9n;
      p.graph!.input.push(...p.graph!.initializer.map((t) => ({ ...p.graph!.input[0]!, name: t.name, type: undefined })));
      for (const input of p.graph!.input.slice(1)) input.type = p.graph!.input[0]!.type; // a type is a type; its width is not read for initializers
    }],
    ['no metadata (loss back to the default)', withoutMetadata],
  ];
  const rows = randomRows(9, 6, 31, 0, 1);
  const expected = ae.test(rows).reconstructed.data;
  for (const [label, change] of forms) {
    const bytes = forge(ae, change);
    const copy = fromOnnx(bytes) as Autoencoder;
    sameWeights(copy, ae);
    assert.equal(copy.options.loss, label.startsWith('no metadata') ? 'rmse' : ae.options.loss, label);
    if (!label.startsWith('initializers as inputs')) assertClose((await runOnnx(bytes, 'input', rows)).outputs.reconstruction!, expected, label);
    copy.dispose();
  }
  ae.dispose();
});


test('PyTorch: fromOnnx reads what torch.onnx.export writes for a flat nn.Sequential, weights bit for bit and outputs as PyTorch computed them', { skip: torchMissing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wae-onnx-torch-'));
  try {
    const script = join(dir, 'export.py');
    writeFileSync(script, TORCH_SCRIPT);
    // torch.onnx.export of torch 1.13 (Debian's) serializes with its own C++ code: the onnx Python package is not needed.
    execFileSync(PYTHON, [script, dir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: PYTHON_TIMEOUT_MS });
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, { x: number[][]; y: number[][]; weights: number[][]; biases: number[][] }>;
    const shapes: Record<string, [number[], string, string]> = {
      'tanh': [[6, 4], 'tanh', 'linear'],
      'deep': [[8, 5, 3], 'relu', 'sigmoid'],
      'leaky-fixed-batch': [[7, 3], 'leakyRelu', 'elu'],
      'initializers-as-inputs': [[6, 4], 'sigmoid', 'linear'],
    };
    for (const [name, [[inputDim, ...hidden], activation, outputActivation]] of Object.entries(shapes)) {
      const model = fromOnnx(readFileSync(join(dir, `${name}.onnx`)), `${name}.onnx`);
      assert.ok(model instanceof Autoencoder, `${name}: an Autoencoder`);
      assert.deepEqual([model.inputDim, model.hidden, model.options.activation, model.options.outputActivation], [inputDim, hidden, activation, outputActivation], name);
      const { x, y, weights, biases } = summary[name]!;
      const ws = Object.values(model.getWeights());
      assert.deepEqual(ws.map((w) => [...w.data]), weights.flatMap((w, l) => [Array.from(Float32Array.from(w)), Array.from(Float32Array.from(biases[l]!))]), `${name}: weights bit for bit (torch's out × in, transposed)`);
      assertClose(model.test(x).reconstructed.data, flat(y), name);
      model.dispose();
    }
    refused(readFileSync(join(dir, 'softplus.onnx')), /node '\/1\/Softplus' is Softplus, which fromOnnx does not read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const TORCH_SCRIPT = String.raw`
import sys, json, torch, torch.nn as nn
out = sys.argv[1]
torch.manual_seed(0)
cases = {
    'tanh': (nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 6)), {}),
    'deep': (nn.Sequential(nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 8), nn.Sigmoid()), {}),
    'leaky-fixed-batch': (nn.Sequential(nn.Linear(7, 3), nn.LeakyReLU(), nn.Linear(3, 7), nn.ELU()), {'dynamic': False}),
    'initializers-as-inputs': (nn.Sequential(nn.Linear(6, 4), nn.Sigmoid(), nn.Linear(4, 6)), {'keep_initializers_as_inputs': True, 'opset': 11}),
    'softplus': (nn.Sequential(nn.Linear(6, 4), nn.Softplus(), nn.Linear(4, 6)), {}),
}
summary = {}
for name, (model, how) in cases.items():
    model.eval()
    x = torch.rand(5, model[0].in_features) * 2 - 1
    dynamic = how.get('dynamic', True)
    torch.onnx.export(model, x, f'{out}/{name}.onnx', input_names=['input'], output_names=['output'], opset_version=how.get('opset', 17),
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}} if dynamic else None,
                      keep_initializers_as_inputs=how.get('keep_initializers_as_inputs', None))
    with torch.no_grad():
        y = model(x)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    summary[name] = {'x': x.tolist(), 'y': y.tolist(), 'weights': [l.weight.t().flatten().tolist() for l in linears], 'biases': [l.bias.tolist() for l in linears]}
json.dump(summary, open(f'{out}/summary.json', 'w'))
`;

test('refused, naming the node: an unknown op, an op of another domain, an activation where a layer should be, a LeakyRelu of another slope, an Elu of another alpha, Gemm with transA or alpha', () => {
  const ae = new Autoencoder(6, [4], { activation: 'tanh', seed: 1 });
  refused(forge(ae, (p) => void (node(p, 'encode/Tanh').opType = 'Softplus')), /node 'encode\/Tanh' is Softplus, which fromOnnx does not read \(it reads Gemm, MatMul, Add, Tanh, Sigmoid, Relu, LeakyRelu, Elu\)/);
  refused(forge(ae, (p) => void (node(p, 'encode/Gemm').opType = 'Conv')), /node 'encode\/Gemm' is Conv, which fromOnnx does not read/);
  refused(forge(ae, (p) => void (node(p, 'encode/Tanh').domain = 'com.microsoft')), /node 'encode\/Tanh' is Tanh of domain 'com\.microsoft'/);
  refused(forge(ae, (p) => p.graph!.node.splice(0, 1, create(NodeProtoSchema, { name: 'first', opType: 'Relu', input: ['input'], output: ['encode/gemm'] }))), /node 'first' \(Relu\) reads 'input', where fromOnnx expects a dense layer/);
  const leaky = new Autoencoder(6, [4], { activation: 'leakyRelu', outputActivation: 'elu', seed: 1 });
  refused(forge(leaky, (p) => void (node(p, 'encode/LeakyRelu').attribute[0]!.f = 0.2)), /attribute alpha of node 'encode\/LeakyRelu' \(LeakyRelu\) is 0\.2; fromOnnx reads 0\.01 \(our leakyRelu has slope 0\.01\)/);
  refused(forge(leaky, (p) => void (node(p, 'decode/Elu').attribute[0]!.f = 0.5)), /attribute alpha of node 'decode\/Elu' \(Elu\) is 0\.5; fromOnnx reads 1 \(our elu has α = 1\)/);
  const gemmAttribute = (name: string, type: AttributeProto_AttributeType, value: object) => (p: ModelProto) =>
    void node(p, 'decode/Gemm').attribute.push(create(NodeProtoSchema, { attribute: [{ name, type, ...value }] }).attribute[0]!);
  refused(forge(ae, gemmAttribute('transA', AttributeProto_AttributeType.INT, { i: 1n })), /attribute transA of node 'decode\/Gemm' \(Gemm\) is 1; fromOnnx reads 0/);
  refused(forge(ae, gemmAttribute('alpha', AttributeProto_AttributeType.FLOAT, { f: 2 })), /attribute alpha of node 'decode\/Gemm' \(Gemm\) is 2; fromOnnx reads 1$/);
  refused(forge(ae, gemmAttribute('axis', AttributeProto_AttributeType.INT, { i: 1n })), /attribute axis of node 'decode\/Gemm' \(Gemm\) is not read/);
  refused(forge(ae, gemmAttribute('beta', AttributeProto_AttributeType.INT, { i: 1n })), /attribute beta of node 'decode\/Gemm' \(Gemm\) is not a float/);
  // Names an object inherits from Object.prototype are not attributes fromOnnx reads either.
  for (const inherited of ['constructor', '__proto__', 'toString']) {
    refused(forge(ae, gemmAttribute(inherited, AttributeProto_AttributeType.FLOAT, { f: 1 })), new RegExp(`attribute ${inherited} of node 'decode/Gemm' \\(Gemm\\) is not read by fromOnnx`));
    refused(forge(ae, (p) => void node(p, 'encode/Tanh').attribute.push(create(NodeProtoSchema, { attribute: [{ name: inherited, type: AttributeProto_AttributeType.FLOAT, f: 0 }] }).attribute[0]!)),
      new RegExp(`attribute ${inherited} of node 'encode/Tanh' \\(Tanh\\) is not read by fromOnnx`));
  }
  ae.dispose();
  leaky.dispose();
});

test('refused, naming the tensor: weights or biases of the wrong shape, non-float initializers and inputs, external or sparse data, values missing', () => {
  const ae = new Autoencoder(6, [4], { seed: 1 });
  refused(forge(ae, (p) => void (initializer(p, 'decode/weights').dims = [6n, 4n])), /node 'decode\/Gemm' \(Gemm\) multiplies 'encode\/output' \(width 4\) by 'decode\/weights' of 6 rows/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dims = [3n, 8n])), /node 'encode\/Gemm' \(Gemm\) multiplies 'input' \(width 6\) by 'encode\/weights' of 3 rows/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dims = [24n])), /initializer 'encode\/weights' has 1 dims \[24\], expected 2/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/biases').dims = [2n, 2n])), /initializer 'encode\/biases' has dims \[2, 2\], expected \[4\]: the biases of node 'encode\/Gemm'/);
  refused(forge(ae, (p) => void (initializer(p, 'decode/weights').rawData = initializer(p, 'decode/weights').rawData.slice(4))), /initializer 'decode\/weights' declares dims \[4, 6\] \(24 float32 values, 96 bytes\) but holds 92 bytes/);
  refused(forge(ae, (p) => void (initializer(p, 'decode/biases').dataType = TensorProto_DataType.DOUBLE)), /initializer 'decode\/biases' holds DOUBLE values; fromOnnx reads FLOAT \(float32\) tensors/);
  refused(forge(ae, (p) => {
    const W = initializer(p, 'encode/weights');
    W.dataType = TensorProto_DataType.INT64;
    W.int64Data = Array.from({ length: 24 }, () => 1n);
    W.rawData = new Uint8Array(0);
  }), /initializer 'encode\/weights' holds INT64 values/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dataType = TensorProto_DataType.FLOAT16)), /initializer 'encode\/weights' holds FLOAT16 values/);
  refused(forge(ae, (p) => {
    const input = p.graph!.input[0]!;
    if (input.type!.value.case === 'tensorType') input.type!.value.value.elemType = TensorProto_DataType.DOUBLE;
  }), /input 'input' is of DOUBLE; fromOnnx reads FLOAT/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dataLocation = 1)), /initializer 'encode\/weights' keeps its values in an external file/);
  refused(forge(ae, (p) => void p.graph!.sparseInitializer.push({ ...p.graph!.sparseInitializer[0], values: initializer(p, 'encode/biases'), $typeName: 'onnx.SparseTensorProto', dims: [4n] } as never)), /sparse initializer 'encode\/biases' is not read/);
  refused(forge(ae, (p) => void p.graph!.initializer.splice(p.graph!.initializer.indexOf(initializer(p, 'decode/weights')), 1)), /node 'decode\/Gemm' \(Gemm\) reads 'decode\/weights' as its weights, which is not an initializer/);
  refused(forge(ae, (p) => void p.graph!.initializer.push({ ...initializer(p, 'decode/biases'), name: 'spare' })), /initializer 'spare' is not used by a dense layer/);
  refused(forge(ae, (p) => void p.graph!.initializer.push(initializer(p, 'decode/biases'))), /two initializers are named 'decode\/biases'/);
  ae.dispose();
});

test('refused: graphs that are not a chain of dense layers our models can be, and parts that cannot rebuild a model', () => {
  const ae = new Autoencoder(6, [4], { seed: 1 });
  const vae = new VariationalAutoencoder(6, 2, { hidden: [4], seed: 1 });
  refused(toOnnx(ae, { part: 'encoder' }), /holds the encoder part of a model, which cannot rebuild one: write the model with part 'autoencoder'/);
  refused(toOnnx(vae, { part: 'decoder' }), /holds the decoder part of a model/);
  refused(forge(ae, withoutMetadata, 'encoder'), /a chain of 1 dense layers \(6 → 4\) cannot be an autoencoder, whose decoder mirrors its encoder/);
  refused(forge(vae, withoutMetadata, 'encoder'), /a VAE encoder \(mean and log_var\) holds no decoder/);
  const deep = new Autoencoder(6, [4, 3], { seed: 1 });
  refused(forge(deep, (p) => {
    withoutMetadata(p);
    initializer(p, 'decode/weights').dims = [3n, 5n];
    initializer(p, 'decode/weights').rawData = new Uint8Array(60);
    initializer(p, 'decode/biases').dims = [5n];
    initializer(p, 'decode/biases').rawData = new Uint8Array(20);
    initializer(p, 'decode_1/weights').dims = [5n, 6n];
    initializer(p, 'decode_1/weights').rawData = new Uint8Array(120);
  }), /not a model fromOnnx can rebuild: layer 2 is decode 3 → 5, expected decode 3 → 4/);
  refused(forge(ae, (p) => void p.graph!.node.splice(1, 1)), /the chain of dense layers ends in 'encode\/gemm', which is not a graph output/);
  refused(forge(ae, (p) => {
    p.graph!.node.splice(1, 1);
    node(p, 'decode/Gemm').input[0] = 'encode/gemm';
  }), /the layer of node 'encode\/Gemm' has no activation; the hidden layers of our models have one/);
  refused(forge(deep, (p) => void (node(p, 'encode_1/Tanh').opType = 'Relu')), /the layer of node 'encode_1\/Gemm' has activation relu, the one of node 'encode\/Gemm' tanh: our models have one activation inside/);
  refused(forge(ae, (p) => void p.graph!.input.push({ ...p.graph!.input[0]!, name: 'second' })), /the graph has 2 inputs \('input', 'second'\); fromOnnx reads graphs of one/);
  refused(forge(ae, (p) => void p.graph!.output.push({ ...p.graph!.output[0]!, name: 'encode/output' })), /tensor 'encode\/output' is a graph output in the middle of the chain/);
  refused(forge(ae, (p) => void p.graph!.node.push(create(NodeProtoSchema, { name: 'skip', opType: 'Add', input: ['input', 'reconstruction'], output: ['sum'] }))), /node 'skip' \(Add\) reads 'input', where fromOnnx expects a dense layer/);
  refused(forge(ae, (p) => void p.graph!.node.push(create(NodeProtoSchema, { name: 'stray', opType: 'Relu', input: ['nowhere'], output: ['elsewhere'] }))), /node 'stray' \(Relu\) is not on the chain of dense layers from the input to the outputs/);
  refused(forge(ae, (p) => {
    const output = p.graph!.output[0]!;
    if (output.type!.value.case === 'tensorType') output.type!.value.value.shape!.dim[1]!.value = { case: 'dimValue', value: 5n };
  }), /output 'reconstruction' declares width 5, but node 'decode\/Gemm' writes 6/);
  refused(forge(ae, (p) => void (node(p, 'encode/Tanh').output[0] = 'input')), /tensor 'input' is written twice \(node 'encode\/Tanh'/);
  refused(forge(ae, (p) => void (p.opsetImport[0]!.version = 6n)), /opset 6: fromOnnx reads opset 7 and later/);
  refused(forge(ae, (p) => void (p.graph = undefined)), /it holds no graph/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '{"format":1,"kind":"vae","part":"autoencoder"}')), /its metadata says VariationalAutoencoder, but the graph is a chain/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '{"format":1,"activation":"relu"}')), /its metadata says activation 'relu', but the graph's layers have tanh/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '{"format":1,"__proto__":{}}')), /metadata 'wasm-autoencoder': unknown key '__proto__'/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '[1]')), /metadata 'wasm-autoencoder': not a JSON object/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '{"format":2}')), /metadata 'wasm-autoencoder': format 2: fromOnnx reads format 1/);
  refused(forge(ae, (p) => void (p.metadataProps[0]!.value = '{"format":1,"loss":"hinge"}')), /metadata 'wasm-autoencoder': loss "hinge" is not one of rmse, mse, bce/);
  refused(forge(vae, (p) => void (p.metadataProps[0]!.value = '{"format":1,"klWeight":-1}')), /not a model fromOnnx can rebuild: klWeight must be a number from 0/);
  refused(forge(vae, (p) => void (node(p, 'z_log_var/Gemm').output[0] = 'spread')), /forks into 'mean' and 'spread': a VAE's heads write 'mean' and 'log_var'/);
  for (const m of [ae, vae, deep]) m.dispose();
});

test('weights and biases that are not finite are refused, naming the tensor (a checkpoint of such a model would never load)', () => {
  const model = new Autoencoder(5, 3, { seed: 1 });
  const poison = (name: string, at: number, value: number) => (proto: ModelProto) => new DataView(initializer(proto, name).rawData.buffer, initializer(proto, name).rawData.byteOffset).setFloat32(4 * at, value, true);
  refused(forge(model, poison('encode/weights', 4, NaN)), /encode\/weights holds NaN at 4: a model's weights and biases must be finite/);
  refused(forge(model, poison('decode/biases', 2, Infinity)), /decode\/biases holds Infinity at 2/);
  model.dispose();
});

test('refused before anything is allocated: dims past the bounds, a huge declared width, absurd counts and nesting', () => {
  const ae = new Autoencoder(6, [4], { seed: 1 });
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dims = [2n ** 40n, 2n ** 40n])), new RegExp(`initializer 'encode/weights' declares dims \\[1099511627776, 1099511627776\\]: each must be from 1 to ${MAX_TENSOR_VALUES}`));
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dims = [100_000n, 100_000n])), new RegExp(`declares dims \\[100000, 100000\\], more than ${MAX_TENSOR_VALUES} values`));
  refused(forge(ae, (p) => void (initializer(p, 'encode/weights').dims = [16_384n, 16_384n])), /declares dims \[16384, 16384\] \(268435456 float32 values, 1073741824 bytes\) but holds 96 bytes/);
  refused(forge(ae, (p) => void (initializer(p, 'encode/biases').dims = [-4n])), /initializer 'encode\/biases' declares dims \[-4\]/);
  refused(forge(ae, (p) => {
    const input = p.graph!.input[0]!;
    if (input.type!.value.case === 'tensorType') input.type!.value.value.shape!.dim[1]!.value = { case: 'dimValue', value: 10n ** 15n };
  }), /input 'input' declares width 1000000000000000/);
  // 100,000 int64 dims: 100,000 bigints if decoded; counted on the wire and refused first.
  refused(forge(ae, (p) => void (initializer(p, 'encode/biases').dims = Array.from({ length: 100_000 }, () => 1n))), new RegExp(`more than ${MAX_OBJECTS} messages, strings and 64-bit integers`));
  refused(forge(ae, (p) => void p.graph!.node.push(...Array.from({ length: 70_000 }, () => create(NodeProtoSchema)))), new RegExp(`more than ${MAX_OBJECTS} messages`));
  // float_data of 16 M + 1 values (64 MB, packed): decoded, a 16 M-element JS array; counted on the wire and refused first.
  const flood = new BinaryWriter().tag(7, WireType.LengthDelimited).fork().tag(5, WireType.LengthDelimited).fork()
    .tag(4, WireType.LengthDelimited).bytes(new Uint8Array(4 * (MAX_LISTED_NUMBERS + 1))).join().join().finish();
  refused(flood, new RegExp(`more than ${MAX_LISTED_NUMBERS} values in repeated number fields \\(such as float_data\\): write large tensors as raw_data`));
  refused(forge(ae, (p) => void p.graph!.node.push(...Array.from({ length: 9000 }, () => create(NodeProtoSchema, { opType: 'Relu' })))), /9003 nodes, more than 8192/);
  // Subgraphs in attributes, nested deeper than the bound.
  let nested = create(NodeProtoSchema, { name: 'innermost', opType: 'Relu' });
  for (let depth = 0; depth < MAX_NESTING; depth++) nested = create(NodeProtoSchema, { name: `if ${depth}`, opType: 'If', attribute: [{ name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: { node: [nested] } }] });
  refused(forge(ae, (p) => void p.graph!.node.push(nested)), new RegExp(`messages nested more than ${MAX_NESTING} deep`));
  const shallow = create(NodeProtoSchema, { name: 'branch', opType: 'If', attribute: [{ name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: { node: [{ opType: 'Relu' }] } }] });
  refused(forge(ae, (p) => void p.graph!.node.push(shallow)), /node 'branch' is If, which fromOnnx does not read/);
  ae.dispose();
});

test('refused before decoding: a known field in a wire type its schema does not declare (the decoder would read it as declared, past what the census counted)', () => {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
    return [...out, n];
  };
  // ModelProto.graph (7) tagged as a varint. Skipping a varint, a census would walk on through model_version (5, an
  // int64 tagged LengthDelimited: skipped) and a graph of zero bytes; the decoder reads the varint as the graph's
  // length, then as the graph an initializer whose packed int64_data (7) is Q zero bytes: Q bigints.
  const Q = 200_000;
  const tensorHead = [0x3a, ...varint(Q)];
  const inner = [0x2a, ...varint(tensorHead.length + Q)];
  const head = [0x38, ...varint(inner.length + tensorHead.length + Q), ...inner, ...tensorHead];
  const attack = new Uint8Array(head.length + Q);
  attack.set(head);
  assert.equal(fromBinary(ModelProtoSchema, attack, { readUnknownFields: false }).graph!.initializer[0]!.int64Data.length, Q, 'decoded, the file is Q bigints');
  const heap = process.memoryUsage().heapUsed;
  refused(attack, /field ModelProto\.graph \(7\) comes as wire type Varint; the schema reads it as LengthDelimited/);
  assert.ok(process.memoryUsage().heapUsed - heap < Q * 8, 'refused without decoding the bigints');

  const graph = (body: (w: BinaryWriter) => BinaryWriter) => body(new BinaryWriter().tag(7, WireType.LengthDelimited).fork()).join().finish();
  const tensorWith = (body: (w: BinaryWriter) => BinaryWriter) => graph((w) => body(w.tag(5, WireType.LengthDelimited).fork()).join());
  // A scalar, a string, a message in another wire type.
  refused(new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(new Uint8Array([8])).finish(), /field ModelProto\.ir_version \(1\) comes as wire type LengthDelimited; the schema reads it as Varint$/);
  refused(graph((w) => w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint32(5).join()), /field NodeProto\.input \(1\) comes as wire type Varint; the schema reads it as LengthDelimited$/);
  refused(graph((w) => w.tag(5, WireType.Bit64).fixed64(0)), /field GraphProto\.initializer \(5\) comes as wire type Bit64/);
  // A repeated number field, in neither of its two forms; packed, not filling its length exactly.
  refused(tensorWith((w) => w.tag(4, WireType.Bit64).double(1)), /field TensorProto\.float_data \(4\) comes as wire type Bit64; the schema reads it as Bit32 or packed \(LengthDelimited\)/);
  refused(tensorWith((w) => w.tag(1, WireType.Bit32).float(1)), /field TensorProto\.dims \(1\) comes as wire type Bit32; the schema reads it as Varint or packed/);
  refused(tensorWith((w) => w.tag(4, WireType.LengthDelimited).bytes(new Uint8Array(5))), /field TensorProto\.float_data holds 5 bytes of packed 4-byte values, not a whole number of them/);
  refused(tensorWith((w) => w.tag(1, WireType.LengthDelimited).bytes(new Uint8Array([4, 0x80]))), /field TensorProto\.dims: its last packed varint runs past the end of its 2 bytes/);

  // Both forms of a repeated number field are read: dims packed, float_data one value at a time (an initializer
  // added by a second graph field, which protobuf merges into the first).
  const ae = new Autoencoder(6, [4], { seed: 3 });
  const biases = ae.getWeights()['encode/biases'].data;
  const rest = forge(ae, (p) => void p.graph!.initializer.splice(p.graph!.initializer.indexOf(initializer(p, 'encode/biases')), 1));
  const added = tensorWith((w) => {
    w.tag(1, WireType.LengthDelimited).fork().int64(4).join().tag(2, WireType.Varint).int32(TensorProto_DataType.FLOAT).tag(8, WireType.LengthDelimited).string('encode/biases');
    for (const value of biases) w.tag(4, WireType.Bit32).float(value);
    return w;
  });
  const model = fromOnnx(new Uint8Array([...rest, ...added]), 'merged.onnx');
  sameWeights(model, ae);
  model.dispose();
  ae.dispose();
});

test('truncated, empty and garbage bytes are DataFormatErrors; every truncation of a file is refused or (cut between top-level fields) reads the same weights', () => {
  refused(new Uint8Array(0), /empty: not an ONNX model/);
  refused(new TextEncoder().encode('definitely not protobuf'), /not a readable ONNX model|holds no graph/);
  refused(new Uint8Array([0x08, 0x80, 0x80, 0x80]), /not a readable ONNX model/);
  refused(new Uint8Array([0x3a, 0x7f, 0x00]), /truncated/);
  assert.throws(() => fromOnnx('model' as never), TypeError);
  const ae = new Autoencoder(4, [3], { seed: 1 });
  const bytes = toOnnx(ae);
  assert.ok(fromOnnx(bytes.slice().buffer) instanceof Autoencoder, 'an ArrayBuffer is read too');
  let read = 0;
  for (let length = 0; length < bytes.length; length++) {
    try {
      const model = fromOnnx(bytes.subarray(0, length), 'cut.onnx');
      sameWeights(model, ae);
      model.dispose();
      read++;
    } catch (error) {
      assert.ok(error instanceof DataFormatError, `cut at ${length}: ${String(error)}`);
    }
  }
  assert.ok(read <= 1, 'only the cut before the metadata (the last field) still reads a model');
  ae.dispose();
});

test('fuzzed: random bytes, and random changes to valid files of each kind, give a model or a DataFormatError, never another error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        fromOnnx(bytes).dispose();
      } catch (error) {
        assert.ok(error instanceof DataFormatError, String(error));
      }
    }),
    { numRuns: 500, seed: 20261202 },
  );
  const valid = [new Autoencoder(5, [3], { seed: 1 }), new VariationalAutoencoder(5, 2, { hidden: [3], seed: 2 })].map((model) => {
    const bytes = toOnnx(model);
    model.dispose();
    return bytes;
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...valid.keys()),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (which, changes) => {
        const bytes = valid[which]!.slice();
        for (const [at, value] of changes) bytes[at % bytes.length] = value;
        try {
          fromOnnx(bytes).dispose();
        } catch (error) {
          assert.ok(error instanceof DataFormatError, String(error));
        }
      },
    ),
    { numRuns: 1500, seed: 20261203 },
  );
});

test('toOnnx checks its arguments', () => {
  const ae = new Autoencoder(4, [2], { seed: 1 });
  assert.throws(() => toOnnx(ae, { part: 'middle' as never }), /unknown part 'middle': expected 'autoencoder', 'encoder', 'decoder'/);
  assert.throws(() => toOnnx(ae, { parts: 'encoder' } as never), /unknown toOnnx option 'parts'/);
  assert.throws(() => toOnnx({} as never), TypeError);
  ae.dispose();
  assert.throws(() => toOnnx(ae), /dispose/i);
  assert.ok(existsSync('node_modules/onnxruntime-node'), 'onnxruntime-node is a devDependency');
});
