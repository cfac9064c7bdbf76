// TensorFlow.js layers models: every model kind exports as a model.json + weights that tf.loadLayersModel loads and
// whose predict gives what ours gives; fromTfjsLayers reads them (and models TF.js builds) back bit for bit, and
// refuses, naming the layer or tensor, anything our models cannot be, before allocating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder, DataFormatError, VariationalAutoencoder } from '../../src/entries/index.js';
import { fromTfjsLayers, tfjsWeightPaths, toTfjsLayers, type TfjsLayers, type TfjsModelJson } from '../../src/interop/tfjs-layers.js';
import { readTfjsLayers, writeTfjsLayers } from '../../src/io/node-tfjs.js';
import { assertWithin1e5, randomRows } from './helpers.js';

await tf.setBackend('cpu');

type Model = Autoencoder | VariationalAutoencoder;

/** TF.js's ModelArtifacts for a model.json's contents and its weights. */
function artifactsOf(modelJson: TfjsModelJson | Record<string, unknown>, weightData: ArrayBuffer): tf.io.ModelArtifacts {
  const json = JSON.parse(JSON.stringify(modelJson)) as TfjsModelJson; // plain JSON, as a file holds it
  return {
    modelTopology: json.modelTopology as never, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData,
    userDefinedMetadata: json.userDefinedMetadata as never,
  };
}

async function loadInTfjs({ modelJson, weightData }: TfjsLayers): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(artifactsOf(modelJson, weightData)));
}

/** TF.js's outputs for rows, each as a Float32Array. */
function predict(model: tf.LayersModel, rows: number[][]): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(rows));
    return (Array.isArray(out) ? out : [out]).map((tensor) => tensor.dataSync() as Float32Array);
  });
}

const assertClose = (actual: Float32Array, expected: Float32Array, what: string) => assertWithin1e5(actual, expected, what, (a, e) => `TF.js ${a}, ours ${e}`);

/** The TF.js artifacts of a model it saves (what a save handler is given). */
async function savedByTfjs(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

const autoencoders = (): { what: string; model: Autoencoder; low: number }[] => [
  { what: 'one tanh hidden layer', model: new Autoencoder(6, 3, { seed: 1 }), low: -1 },
  { what: 'deep relu, sigmoid output, bce', model: new Autoencoder(8, [6, 4, 3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'bce', seed: 2 }), low: 0 },
  { what: 'deep sigmoid, mse', model: new Autoencoder(7, [5, 2], { activation: 'sigmoid', loss: 'mse', seed: 3 }), low: -1 },
  { what: 'elu, elu output', model: new Autoencoder(7, [5, 3], { activation: 'elu', outputActivation: 'elu', seed: 4 }), low: -1 },
  { what: 'leakyRelu, leakyRelu output', model: new Autoencoder(7, [5, 3], { activation: 'leakyRelu', outputActivation: 'leakyRelu', seed: 5 }), low: -1 },
];

const vaes = (): { what: string; model: VariationalAutoencoder }[] => [
  { what: 'no hidden layer', model: new VariationalAutoencoder(6, 2, { seed: 6 }) },
  { what: 'leakyRelu [6, 4], sigmoid output, β 0.5', model: new VariationalAutoencoder(8, 2, { hidden: [6, 4], activation: 'leakyRelu', outputActivation: 'sigmoid', klWeight: 0.5, seed: 7 }) },
  { what: 'elu [5], mse', model: new VariationalAutoencoder(7, 3, { hidden: [5], activation: 'elu', seed: 8 }) },
];

/** Trains a little, so that weights are not just their initial values. */
function trained<T extends Model>(model: T): T {
  model.train(randomRows(24, model.inputDim, 11, 0, 1), { epochs: 3, batchSize: 8, logEvery: 0 });
  return model;
}

test('every Autoencoder loads in TF.js as a tf.sequential of Dense layers whose predict is test\'s reconstruction; halves are encode and decode', async () => {
  for (const { what, model, low } of autoencoders()) {
    trained(model);
    const rows = randomRows(9, model.inputDim, 21, low, 1);
    const exported = toTfjsLayers(model);
    const json = exported.modelJson;
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest.map((group) => group.paths), [['weights.bin']]);
    assert.equal(json.modelTopology.model_config.class_name, 'Sequential');
    const tfModel = await loadInTfjs(exported);
    assert.deepEqual(tfModel.layers.filter((layer) => layer.getClassName() === 'Dense').map((layer) => layer.name), Object.keys(model.getWeights()).filter((k) => k.endsWith('/weights')).map((k) => k.slice(0, -8)), what);
    assertClose(predict(tfModel, rows)[0]!, model.test(rows).reconstructed.data, `${what}: reconstruction`);
    const encoder = await loadInTfjs(toTfjsLayers(model, { part: 'encoder' }));
    assertClose(predict(encoder, rows)[0]!, model.encode(rows).data, `${what}: encoder`);
    const codes = randomRows(5, model.hidden.at(-1)!, 22, -2, 2);
    const decoder = await loadInTfjs(toTfjsLayers(model, { part: 'decoder' }));
    assertClose(predict(decoder, codes)[0]!, model.decode(codes).data, `${what}: decoder`);
    for (const m of [tfModel, encoder, decoder]) m.dispose();
    model.dispose();
  }
});

test('a leaky ReLU is a linear Dense then a LeakyReLU of alpha 0.01', () => {
  const model = new Autoencoder(4, 2, { activation: 'leakyRelu', seed: 1 });
  const layers = (toTfjsLayers(model).modelJson.modelTopology.model_config.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers;
  assert.deepEqual(layers.map((layer) => [layer.class_name, layer.config['name'], layer.config['activation'] ?? layer.config['alpha']]), [
    ['Dense', 'encode', 'linear'], ['LeakyReLU', 'encode_leaky_relu', 0.01], ['Dense', 'decode', 'linear'],
  ]);
  assert.deepEqual(layers[0]!.config['batch_input_shape'], [null, 4]);
  model.dispose();
});

test('every VariationalAutoencoder loads in TF.js: the whole model gives [z_mean, z_log_var, decode(z_mean)], the encoder [z_mean, z_log_var], the decoder decode', async () => {
  for (const { what, model } of vaes()) {
    trained(model);
    const rows = randomRows(9, model.inputDim, 31, -1, 1);
    const { mean, logVar } = model.encode(rows);
    const exported = toTfjsLayers(model);
    assert.equal(exported.modelJson.modelTopology.model_config.class_name, 'Model');
    const whole = await loadInTfjs(exported);
    const [m, v, x] = predict(whole, rows);
    assertClose(m!, mean.data, `${what}: z_mean`);
    assertClose(v!, logVar.data, `${what}: z_log_var`);
    assertClose(x!, model.decode(mean).data, `${what}: reconstruction`);
    const encoder = await loadInTfjs(toTfjsLayers(model, { part: 'encoder' }));
    const [em, ev] = predict(encoder, rows);
    assertClose(em!, mean.data, `${what}: encoder z_mean`);
    assertClose(ev!, logVar.data, `${what}: encoder z_log_var`);
    const decoder = await loadInTfjs(toTfjsLayers(model, { part: 'decoder' }));
    const codes = randomRows(6, model.latentDim, 32, -2, 2);
    assertClose(predict(decoder, codes)[0]!, model.decode(codes).data, `${what}: decoder`);
    for (const tfModel of [whole, encoder, decoder]) tfModel.dispose();
    model.dispose();
  }
});

/** Weights and options equal, optimizer state fresh. */
function assertSameModel(copy: Model, model: Model): void {
  assert.equal(copy.constructor, model.constructor);
  assert.deepEqual(copy.getWeights(), model.getWeights(), 'weights bit for bit');
  assert.equal(copy.epochsTrained, 0);
  const { activation, outputActivation } = model.options;
  assert.deepEqual([copy.options.activation, copy.options.outputActivation], [activation, outputActivation]);
  if (model instanceof Autoencoder) assert.equal((copy as Autoencoder).options.loss, model.options.loss);
  else {
    const o = (copy as VariationalAutoencoder).options;
    assert.deepEqual([o.reconstruction, o.klWeight], [model.options.reconstruction, model.options.klWeight]);
  }
}

test('round trips are bit-exact: ours → model.json text and bytes → ours, and ours → TF.js (loaded, then saved by TF.js) → ours', async () => {
  for (const { model } of [...autoencoders(), ...vaes()]) {
    trained(model);
    const { modelJson, weightData } = toTfjsLayers(model);
    for (const json of [JSON.stringify(modelJson), new TextEncoder().encode(JSON.stringify(modelJson)), modelJson]) {
      const copy = fromTfjsLayers(json, weightData);
      assertSameModel(copy, model);
      copy.dispose();
    }
    const cut = [0, 3, 3, 4 * Math.floor(weightData.byteLength / 8) + 1, weightData.byteLength - 2, weightData.byteLength]; // shards cut anywhere, one empty
    const fromShards = fromTfjsLayers(modelJson, cut.slice(1).map((end, k) => weightData.slice(cut[k], end)));
    assertSameModel(fromShards, model);
    fromShards.dispose();
    const tfModel = await loadInTfjs({ modelJson, weightData });
    const saved = await savedByTfjs(tfModel);
    const copy = fromTfjsLayers({ modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs, userDefinedMetadata: saved.userDefinedMetadata }, saved.weightData as ArrayBuffer);
    assertSameModel(copy, model);
    copy.dispose();
    tfModel.dispose();
    model.dispose();
  }
});

test('models TF.js builds load with fromTfjsLayers: a tf.sequential autoencoder (with a LeakyReLU) and a functional VAE', async () => {
  const rows = randomRows(7, 6, 41, -1, 1);
  // An autoencoder 6 → 4 → 3 → 4 → 6, relu inside, sigmoid out.
  const ae = tf.sequential({
    layers: [
      tf.layers.dense({ units: 4, inputShape: [6], activation: 'relu', name: 'dense_a' }),
      tf.layers.dense({ units: 3, activation: 'relu' }),
      tf.layers.dense({ units: 4, activation: 'relu' }),
      tf.layers.dense({ units: 6, activation: 'sigmoid' }),
    ],
  });
  const aeSaved = await savedByTfjs(ae);
  const ours = fromTfjsLayers({ format: 'layers-model', modelTopology: aeSaved.modelTopology, weightSpecs: aeSaved.weightSpecs }, aeSaved.weightData as ArrayBuffer) as Autoencoder;
  assert.ok(ours instanceof Autoencoder);
  assert.deepEqual([ours.inputDim, ours.hidden, ours.options.activation, ours.options.outputActivation, ours.options.loss], [6, [4, 3], 'relu', 'sigmoid', 'rmse']);
  const tfWeights = ae.getWeights().map((tensor) => tensor.dataSync());
  const names = ['encode', 'encode_1', 'decode', 'decode_1'].flatMap((name) => [`${name}/weights`, `${name}/biases`]);
  const weights = ours.getWeights() as Record<string, { data: Float32Array }>;
  names.forEach((name, k) => assert.deepEqual(weights[name]!.data, tfWeights[k], name));
  assertClose(ours.test(rows).reconstructed.data, predict(ae, rows)[0]!, 'TF.js autoencoder');
  ours.dispose();
  ae.dispose();

  // Leaky ReLU as TF.js users write it: a linear Dense then tf.layers.leakyReLU({ alpha: 0.01 }).
  const leaky = tf.sequential({
    layers: [tf.layers.dense({ units: 2, inputShape: [5] }), tf.layers.leakyReLU({ alpha: 0.01 }), tf.layers.dense({ units: 5 })],
  });
  const leakySaved = await savedByTfjs(leaky);
  const leakyOurs = fromTfjsLayers({ modelTopology: leakySaved.modelTopology, weightSpecs: leakySaved.weightSpecs }, leakySaved.weightData as ArrayBuffer) as Autoencoder;
  assert.deepEqual([leakyOurs.options.activation, leakyOurs.options.outputActivation], ['leakyRelu', 'linear']);
  const leakyRows = randomRows(7, 5, 42, -3, 3);
  assertClose(leakyOurs.test(leakyRows).reconstructed.data, predict(leaky, leakyRows)[0]!, 'TF.js leaky autoencoder');
  leakyOurs.dispose();
  leaky.dispose();

  // A VAE 6 → 5 → (2, 2) → 5 → 6, tanh inside, linear out, as tf.model builds it.
  const input = tf.input({ shape: [6] });
  const h = tf.layers.dense({ units: 5, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
  const mean = tf.layers.dense({ units: 2, name: 'mu' }).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers.dense({ units: 2, name: 'sigma' }).apply(h) as tf.SymbolicTensor;
  const d = tf.layers.dense({ units: 5, activation: 'tanh' }).apply(mean) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 6 }).apply(d) as tf.SymbolicTensor;
  const vae = tf.model({ inputs: input, outputs: [mean, logVar, out] });
  const vaeSaved = await savedByTfjs(vae);
  const vaeOurs = fromTfjsLayers({ modelTopology: vaeSaved.modelTopology, weightSpecs: vaeSaved.weightSpecs }, vaeSaved.weightData as ArrayBuffer) as VariationalAutoencoder;
  assert.ok(vaeOurs instanceof VariationalAutoencoder);
  assert.deepEqual([vaeOurs.inputDim, vaeOurs.latentDim, vaeOurs.hidden, vaeOurs.options.activation, vaeOurs.options.reconstruction, vaeOurs.options.klWeight], [6, 2, [5], 'tanh', 'mse', 1]);
  const [m, v, x] = predict(vae, rows);
  const encoding = vaeOurs.encode(rows);
  assertClose(encoding.mean.data, m!, 'TF.js VAE z_mean');
  assertClose(encoding.logVar.data, v!, 'TF.js VAE z_log_var');
  assertClose(vaeOurs.decode(encoding.mean).data, x!, 'TF.js VAE reconstruction');
  vaeOurs.dispose();
  vae.dispose();
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals

/** A small exported autoencoder 5 → 3 → 5 (tanh) and VAE, as plain JSON to edit. */
function exported(model: Model = new Autoencoder(5, 3, { seed: 9 })): { json: Record<string, any>; weightData: ArrayBuffer } {
  const { modelJson, weightData } = toTfjsLayers(model);
  model.dispose();
  return { json: JSON.parse(JSON.stringify(modelJson)), weightData };
}

function refused(json: unknown, weightData: unknown, pattern: RegExp): void {
  assert.throws(() => fromTfjsLayers(json as never, weightData as never), (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const layersOf = (json: Record<string, any>): any[] => json['modelTopology'].model_config.config.layers;

test('other layer classes, use_bias false, unknown activations and other slopes are refused, naming the layer', () => {
  const { json, weightData } = exported();
  const edit = (change: (copy: Record<string, any>) => void) => {
    const copy = structuredClone(json);
    change(copy);
    return copy;
  };
  refused(edit((j) => layersOf(j).splice(1, 0, { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } })), weightData, /layer "drop" is a "Dropout" layer, which is not read/);
  refused(edit((j) => layersOf(j).splice(0, 0, { class_name: 'Conv2D', config: { name: 'conv', filters: 3, kernel_size: [3, 3] } })), weightData, /layer "conv" is a "Conv2D" layer/);
  refused(edit((j) => { layersOf(j)[1].config.use_bias = false; }), weightData, /layer "decode" \(Dense\) has use_bias false/);
  refused(edit((j) => { layersOf(j)[0].config.activation = 'softmax'; }), weightData, /layer "encode" \(Dense\) has activation "softmax", which is not read/);
  refused(edit((j) => { layersOf(j)[0].config.activation = 'linear'; }), weightData, /layer 'encode' has activation 'linear': our hidden layers/);
  refused(edit((j) => layersOf(j).splice(1, 0, { class_name: 'LeakyReLU', config: { name: 'lr', alpha: 0.2 } })), weightData, /layer "lr" \(LeakyReLU\) has alpha 0.2: our leaky ReLU's slope is 0.01/);
  refused(edit((j) => layersOf(j).splice(1, 0, { class_name: 'LeakyReLU', config: { name: 'lr', alpha: 0.01 } })), weightData, /layer 'lr' \(LeakyReLU\) follows Dense 'encode' of activation 'tanh'/);
  refused(edit((j) => { layersOf(j)[1].config.name = 'encode'; }), weightData, /has two layers named "encode"/);
  refused(edit((j) => { layersOf(j)[1].config.dtype = 'float16'; }), weightData, /layer "decode" has dtype "float16": only float32/);
  refused(edit((j) => { layersOf(j)[0].config.batch_input_shape = [null, 4, 5]; }), weightData, /layer "encode" has input shape \[null, 4, 5\], expected \[null, n\]/);
  refused(edit((j) => { j['format'] = 'graph-model'; }), weightData, /has format "graph-model", expected 'layers-model'/);
  refused(edit((j) => { j['modelTopology'].model_config.class_name = 'Bidirectional'; }), weightData, /has a model of class_name "Bidirectional": only Sequential and functional/);
});

test('a weights manifest that lies about shapes or sizes, weight data too short or too long, other dtypes and huge shapes are refused, naming the tensor', () => {
  const { json, weightData } = exported();
  const specs = (j: Record<string, any>): any[] => j['weightsManifest'][0].weights;
  const edit = (change: (copy: Record<string, any>) => void) => {
    const copy = structuredClone(json);
    change(copy);
    return copy;
  };
  const longer = (extra: number) => {
    const out = new Uint8Array(weightData.byteLength + extra);
    out.set(new Uint8Array(weightData));
    return out.buffer;
  };
  // Shapes: the same byte count, but not the layer's; a byte count the data does not have.
  refused(edit((j) => { specs(j)[0].shape = [3, 5]; }), weightData, /tensor 'encode\/kernel' has shape \[3, 5\], expected \[5, 3\]/);
  refused(edit((j) => { specs(j)[1].shape = [5]; }), weightData, /tensor "decode\/bias" of shape \[5\] ends past the 152 bytes of weight data given/);
  refused(edit((j) => { specs(j)[3].shape = [4]; }), weightData, /weight data holds 152 bytes but the weights manifest announces 148 \(4 bytes too many\)/);
  // The data: too short, too long, or not bytes.
  refused(json, weightData.slice(0, -4), /tensor "decode\/bias" of shape \[5\] ends past the 148 bytes/);
  refused(json, new ArrayBuffer(0), /tensor "encode\/kernel" of shape \[5, 3\] ends past the 0 bytes/);
  refused(json, longer(8), /weight data holds 160 bytes but the weights manifest announces 152 \(8 bytes too many\)/);
  refused(json, 'weights', /weight data is "weights", expected an ArrayBuffer/);
  // Other dtypes, quantized tensors, missing, extra and repeated tensors.
  for (const dtype of ['int32', 'float16', 'bool', 'string', undefined]) {
    refused(edit((j) => { specs(j)[2].dtype = dtype; }), weightData, new RegExp(`tensor "decode/kernel" has dtype ${dtype === undefined ? 'undefined' : `"${dtype}"`}: only float32 tensors are read`));
  }
  refused(edit((j) => { specs(j)[0].quantization = { dtype: 'uint8', scale: 0.1, min: 0 }; }), weightData, /tensor "encode\/kernel" is quantized/);
  refused(edit((j) => { specs(j)[3].name = 'decode/b'; }), weightData, /has no tensor 'decode\/bias' in its weights manifest/);
  refused(edit((j) => specs(j).push({ name: 'extra', shape: [1], dtype: 'float32' })), longer(4), /tensor "extra" of the weights manifest belongs to no layer/);
  refused(edit((j) => { specs(j)[3].name = 'decode/kernel'; }), weightData, /tensor "decode\/kernel" is listed twice/);
  // Huge shapes and widths: refused from the JSON alone, before anything is allocated.
  refused(edit((j) => { specs(j)[0].shape = [2 ** 31, 2 ** 31]; }), weightData, /tensor "encode\/kernel" of shape \[2147483648, 2147483648\] ends past the 152 bytes/);
  refused(edit((j) => { specs(j)[0].shape = Array(9).fill(1); }), weightData, /tensor "encode\/kernel" has shape an array of 9 items, expected an array of at most 8 sizes/);
  refused(edit((j) => { specs(j)[0].shape = [5, -3]; }), weightData, /tensor "encode\/kernel" has shape \[5, -3\]: sizes are integers ≥ 0/);
  refused(edit((j) => { specs(j)[0].shape = [5, 1e300]; }), weightData, /tensor "encode\/kernel" of shape \[5, 1e\+300\] ends past/);
  refused(edit((j) => { layersOf(j)[0].config.units = 2 ** 40; }), weightData, /layer "encode" \(Dense\) has units 1099511627776, expected an integer from 1 to 16777216/);
  refused(edit((j) => { layersOf(j)[0].config.batch_input_shape = [null, 2 ** 30]; }), weightData, /layer "encode" has input shape \[null, 1073741824\]/);
  refused(edit((j) => { j['weightsManifest'][0].weights = Array(5000).fill(specs(j)[0]); }), weightData, /weightsManifest\[0\].weights is not an array of at most 1024 tensors/);
  refused(edit((j) => { layersOf(j).push(...Array(2000).fill(layersOf(j)[1])); }), weightData, /layers are not an array of at most 1024/);
});

test('weights and biases that are not finite are refused, naming the layer (a checkpoint of such a model would never load)', () => {
  const { json, weightData } = exported();
  const first = json['weightsManifest'][0].weights[0].name as string;
  const poisoned = weightData.slice(0);
  new DataView(poisoned).setFloat32(4, NaN, true);
  assert.equal(first, 'encode/kernel');
  refused(json, poisoned, /encode\/weights holds NaN at 1: a model's weights and biases must be finite/);
});

test('malformed JSON, shapes that are not our models\' and halves exported alone are refused', () => {
  const { json, weightData } = exported();
  const text = JSON.stringify(json);
  refused(text.slice(0, -10), weightData, /TF\.js model: is not valid JSON/);
  refused(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), weightData, /is not UTF-8 text/);
  refused('null', weightData, /is not a JSON object/);
  refused('[1, 2]', weightData, /is not a JSON object/);
  refused(' '.repeat(2 ** 20 + 1), weightData, /is 1048577 characters of JSON; at most 1048576 are read/);
  refused(new Uint8Array(2 ** 20 + 1).fill(0x20), weightData, /is 1048577 bytes of JSON; at most 1048576 are read/);
  refused({ ...json, modelTopology: undefined }, weightData, /has no modelTopology object/);
  refused({ ...json, weightsManifest: 'weights.bin' }, weightData, /has a weightsManifest that is not an array/);
  assert.throws(() => fromTfjsLayers(text.slice(1), weightData, { name: 'web/model.json' }), /^DataFormatError: web\/model\.json: is not valid JSON/);

  // A dense stack whose widths do not mirror, or whose hidden layers disagree.
  const stack = exported(new Autoencoder(5, [4, 3], { seed: 1 }));
  const noMeta = (j: Record<string, any>) => ({ ...j, userDefinedMetadata: undefined });
  const drop = structuredClone(stack.json);
  layersOf(drop).splice(3, 1);
  drop['weightsManifest'][0].weights.splice(6, 2);
  refused(drop, stack.weightData.slice(0, 4 * (20 + 4 + 12 + 3 + 12 + 4)), /is a dense stack 5 → 4 → 3 → 4, not one of our autoencoders/);
  const mixed = structuredClone(stack.json);
  layersOf(mixed)[2].config.activation = 'relu';
  refused(mixed, stack.weightData, /layer 'decode' has activation 'relu' but layer 'encode' 'tanh': our models have one activation inside, one on the output/);
  const meta = structuredClone(stack.json);
  meta['userDefinedMetadata']['wasm-autoencoder'].loss = 'hinge';
  refused(meta, stack.weightData, /userDefinedMetadata\['wasm-autoencoder'\]\.loss "hinge", which is not one of ours/);
  meta['userDefinedMetadata']['wasm-autoencoder'] = { kind: 'vae', activation: 'tanh', outputActivation: 'linear', reconstruction: 'mse', klWeight: 1 };
  refused(meta, stack.weightData, /says it holds a VAE \(userDefinedMetadata\) but its layers are one dense stack/);
  const bce = structuredClone(stack.json);
  bce['userDefinedMetadata']['wasm-autoencoder'].loss = 'bce';
  refused(bce, stack.weightData, /has loss 'bce' \(userDefinedMetadata\) but output activation 'linear'/);

  // Halves: refused by their metadata; without it, a VAE's encoder has 2 outputs and a decoder alone is no autoencoder.
  const vae = () => new VariationalAutoencoder(6, 2, { hidden: [4], seed: 2 });
  for (const part of ['encoder', 'decoder'] as const) {
    const half = toTfjsLayers(vae(), { part });
    refused(half.modelJson, half.weightData, new RegExp(`holds the ${part} of a VAE alone \\(exported with \\{ part: '${part}' \\}\\)`));
    refused(noMeta(half.modelJson), half.weightData, part === 'encoder' ? /has 2 outputs: our models have 1/ : /is a dense stack 2 → 4 → 6, not one of our autoencoders/);
  }
  const aeHalf = toTfjsLayers(new Autoencoder(5, 3), { part: 'encoder' });
  refused(aeHalf.modelJson, aeHalf.weightData, /holds the encoder of an autoencoder alone/);
});

test('functional models other than our VAEs are refused: outputs in another order, shared layers, cycles, Keras 3 nodes, a sampling layer', () => {
  const { json, weightData } = exported(new VariationalAutoencoder(6, 2, { seed: 3 }));
  const layers = (j: Record<string, any>) => layersOf(j) as { name: string; class_name: string; config: any; inbound_nodes: any }[];
  const named = (j: Record<string, any>, name: string) => layers(j).find((layer) => layer.name === name)!;
  const edit = (change: (copy: Record<string, any>) => void) => {
    const copy = structuredClone(json);
    change(copy);
    return copy;
  };
  assert.deepEqual(layers(json).map((layer) => [layer.class_name, layer.name, layer.inbound_nodes[0]?.[0]?.[0]]), [
    ['InputLayer', 'input', undefined], ['Dense', 'z_mean', 'input'], ['Dense', 'z_log_var', 'input'], ['Dense', 'decode', 'z_mean'],
  ]);
  const config = (j: Record<string, any>) => j['modelTopology'].model_config.config;
  refused(edit((j) => config(j).output_layers.reverse()), weightData, /has 3 outputs but not as our VAEs/);
  refused(edit((j) => { named(j, 'decode').inbound_nodes = [[['z_log_var', 0, 0, {}]]]; }), weightData, /has 3 outputs but not as our VAEs/);
  refused(edit((j) => { named(j, 'z_mean').config.activation = 'tanh'; }), weightData, /layer 'z_mean' \(z_mean\) has activation 'tanh': the heads are linear/);
  refused(edit((j) => { named(j, 'decode').inbound_nodes.push([['z_mean', 0, 0, {}]]); }), weightData, /layer 'decode' is applied 2 times \(shared layers are not read\)/);
  refused(edit((j) => { named(j, 'z_mean').inbound_nodes = [[['decode', 0, 0, {}]]]; }), weightData, /has a cycle through layer/);
  refused(edit((j) => { named(j, 'z_mean').inbound_nodes = [[['nowhere', 0, 0, {}]]]; }), weightData, /layer "nowhere" is read by the model but is none of its layers/);
  refused(edit((j) => { named(j, 'z_mean').inbound_nodes = [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['input', 0, 0] } }], kwargs: {} }]; }), weightData, /layer 'z_mean' has inbound_nodes in a format not read/);
  refused(edit((j) => { named(j, 'z_mean').inbound_nodes = [[['input', 0, 0, {}], ['input', 0, 0, {}]]]; }), weightData, /layer 'z_mean' takes 2 inputs/);
  refused(edit((j) => layers(j).push({ name: 'z', class_name: 'Sampling', config: { name: 'z' }, inbound_nodes: [[['z_mean', 0, 0, {}], ['z_log_var', 0, 0, {}]]] })), weightData, /layer "z" is a "Sampling" layer, which is not read/);
  refused(edit((j) => layers(j).push({ name: 'extra', class_name: 'Dense', config: { name: 'extra', units: 2 }, inbound_nodes: [[['input', 0, 0, {}]]] })), weightData, /layer "extra" leads to no output/);
  refused(edit((j) => { config(j).input_layers = [['z_mean', 0, 0]]; }), weightData, /has input "z_mean", which is no InputLayer/);
  refused(edit((j) => { named(j, 'decode').config.units = 5; }), weightData, /has a decoder 2 → 5, not the mirror of its encoder 6 → 2/);
});

/** Every path into a JSON value. */
function jsonPaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) jsonPaths(item, [...prefix, key], out);
  return out;
}

/** A copy of `root` with the value at `path` replaced (or deleted, for undefined). */
function withValue(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return root; // an earlier edit replaced what the path went through
    at = at[key] as Record<string, unknown>;
  }
  if (typeof at !== 'object' || at === null) return root;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

/** Runs fromTfjsLayers: a model (disposed; true) or a DataFormatError (false), nothing else. */
function modelOrDataFormatError(json: unknown, weightData: unknown): boolean {
  try {
    (fromTfjsLayers(json as never, weightData as never) as Model).dispose();
    return true;
  } catch (error) {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`);
    return false;
  }
}

test('fuzz: model.json files with values replaced or removed anywhere, weights cut or padded, and random input give a model or a DataFormatError', () => {
  const bases = [
    exported(new Autoencoder(5, [4, 3], { activation: 'leakyRelu', outputActivation: 'sigmoid', loss: 'bce', seed: 1 })),
    exported(new VariationalAutoencoder(6, 2, { hidden: [4], activation: 'leakyRelu', seed: 2 })),
    exported(new VariationalAutoencoder(4, 2, { seed: 3 })),
  ].map(({ json, weightData }) => ({ json, weightData, paths: jsonPaths(json) }));
  const replacement = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(undefined, null, 0, -1, 1e300, 2 ** 31, 0.01, 'float16', 'Dense', 'LeakyReLU', 'relu', 'leaky_relu', 'input', 'z_mean', 'decode', [null, 4], [[['input', 0, 0, {}]]], []),
  );
  const edit = fc.tuple(fc.nat(), replacement);
  let loaded = 0;
  fc.assert(
    fc.property(fc.nat(bases.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), fc.integer({ min: -12, max: 12 }), (b, edits, cut) => {
      const base = bases[b]!;
      let json: unknown = base.json;
      for (const [at, value] of edits) json = withValue(json, base.paths[at % base.paths.length]!, value);
      const bytes = new Uint8Array(Math.max(0, base.weightData.byteLength + cut));
      bytes.set(new Uint8Array(base.weightData).subarray(0, bytes.length));
      if (modelOrDataFormatError(json, cut === 0 ? base.weightData : bytes)) loaded++;
      modelOrDataFormatError(JSON.stringify(json) ?? 'undefined', base.weightData);
    }),
    { numRuns: 400, seed: 20261212 },
  );
  assert.ok(loaded > 0, 'some edits (names, trainable, …) leave a model that loads');
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }), fc.uint8Array({ maxLength: 200 })),
      fc.oneof(fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.buffer), fc.constantFrom(undefined, null, 'x', [new ArrayBuffer(4)], [1, 2])),
      (json, weightData) => {
        assert.throws(() => fromTfjsLayers(json as never, weightData as never), DataFormatError);
      },
    ),
    { numRuns: 300, seed: 20261213 },
  );
});

test('toTfjsLayers refuses unknown options and parts', () => {
  const model = new Autoencoder(4, 2);
  assert.throws(() => toTfjsLayers(model, { part: 'middle' as never }), /part is middle, expected 'autoencoder', 'encoder' or 'decoder'/);
  assert.throws(() => toTfjsLayers(model, { parts: 'encoder' } as never), /unknown option 'parts'/);
  model.dispose();
});

test('hostile model.json text is refused before it is parsed: deep nesting, more than 1 MiB, a huge array of objects', () => {
  const { json, weightData } = exported();
  // Half a megabyte of '[' (JSON.parse would build half a million nested arrays), as text and as bytes.
  const deep = '['.repeat(2 ** 19) + ']'.repeat(2 ** 19);
  refused(deep, weightData, /TF\.js model: is JSON nested deeper than 32 levels/);
  refused(new TextEncoder().encode(deep), weightData, /is JSON nested deeper than 32 levels/);
  refused(new TextEncoder().encode(deep).buffer, weightData, /is JSON nested deeper than 32 levels/);
  refused(`{"a":${'{"a":'.repeat(40)}0${'}'.repeat(41)}`, weightData, /is JSON nested deeper than 32 levels/);
  // A huge array of objects: past 1 MiB refused by its size, under it by the count of layers.
  const objects = (count: number) => `[${'{},'.repeat(count - 1)}{}]`;
  refused(objects(400_000), weightData, /is 1200001 characters of JSON; at most 1048576 are read/);
  const many = JSON.stringify({ ...json, modelTopology: { class_name: 'Sequential', config: { layers: '@' } } }).replace('"@"', objects(300_000));
  refused(many, weightData, /has a Sequential model whose layers are not an array of at most 1024/);
  // Brackets inside strings (escaped quotes included) are not nesting: such a model.json loads.
  const brackets = structuredClone(json);
  brackets['userDefinedMetadata']['note'] = `\\"${'['.repeat(100)}{"`;
  const text = JSON.stringify(brackets);
  for (const input of [text, new TextEncoder().encode(text)]) (fromTfjsLayers(input, weightData) as Model).dispose();
});

test('our userDefinedMetadata contradicting the layers\' activations is refused, naming the key', () => {
  const { json, weightData } = exported(new Autoencoder(4, [3], { activation: 'relu', outputActivation: 'sigmoid', loss: 'mse', seed: 1 }));
  const meta = (j: Record<string, any>) => j['userDefinedMetadata']['wasm-autoencoder'];
  const both = structuredClone(json);
  Object.assign(meta(both), { activation: 'elu', outputActivation: 'tanh' });
  refused(both, weightData, /userDefinedMetadata\['wasm-autoencoder'\]\.activation 'elu', but its layers have 'relu'/);
  const output = structuredClone(json);
  meta(output).outputActivation = 'tanh';
  refused(output, weightData, /userDefinedMetadata\['wasm-autoencoder'\]\.outputActivation 'tanh', but its layers have 'sigmoid'/);
  const leaky = structuredClone(json);
  meta(leaky).activation = 'leakyRelu';
  refused(leaky, weightData, /\.activation 'leakyRelu', but its layers have 'relu'/);

  const vae = exported(new VariationalAutoencoder(6, 2, { hidden: [4], activation: 'elu', outputActivation: 'sigmoid', seed: 2 }));
  const inner = structuredClone(vae.json);
  meta(inner).activation = 'tanh';
  refused(inner, vae.weightData, /\.activation 'tanh', but its layers have 'elu'/);
  const out = structuredClone(vae.json);
  meta(out).outputActivation = 'linear';
  refused(out, vae.weightData, /\.outputActivation 'linear', but its layers have 'sigmoid'/);
  // Without hidden layers a VAE's layers show no inner activation: the metadata's is taken, as written.
  const bare = exported(new VariationalAutoencoder(5, 2, { activation: 'relu', seed: 3 }));
  const copy = fromTfjsLayers(bare.json, bare.weightData) as VariationalAutoencoder;
  assert.equal(copy.options.activation, 'relu');
  copy.dispose();
});

test('weights paths: a leading ./ (tf.io.browserDownloads) is a plain name; folders, .. , absolute paths and repeats are refused', () => {
  const manifest = (...paths: unknown[]) => ({ weightsManifest: [{ paths, weights: [] }] });
  assert.deepEqual(tfjsWeightPaths(manifest('./my-model.weights.bin'), 'model.json'), ['my-model.weights.bin']);
  assert.deepEqual(tfjsWeightPaths({ weightsManifest: [{ paths: ['a.bin', './b.bin'] }, { paths: ['c.bin'] }] }, 'model.json'), ['a.bin', 'b.bin', 'c.bin']);
  for (const path of ['/etc/passwd', './', '.', '..', './..', '././x.bin', './a/b.bin', 'a/b.bin', '../x.bin', './../x.bin', '.\\x.bin', 'a\\b.bin', 'C:\\x.bin', '', 3]) {
    assert.throws(() => tfjsWeightPaths(manifest(path), 'model.json'), (error: unknown) => error instanceof DataFormatError && /only a plain file name beside model\.json is read/.test(error.message), String(path));
  }
  assert.throws(() => tfjsWeightPaths(manifest('w.bin', './w.bin'), 'model.json'), /names the weights file "\.\/w\.bin" a second time/);
  assert.throws(() => tfjsWeightPaths(manifest(...Array(64).fill('weights.bin')), 'model.json'), /names the weights file "weights\.bin" a second time/);
});

// ---------------------------------------------------------------------------------------------------------------
// Node

/** A TF.js IOHandler reading a model.json and its weight files from a folder, as tfjs-node's file:// handler does. */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const files = await Promise.all(manifest.flatMap((group) => group.paths).map((path) => readFile(join(dir, path))));
        const all = Buffer.concat(files);
        return [manifest.flatMap((group) => group.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
      });
    },
  };
}

test('writeTfjsLayers writes model.json and weights.bin atomically into a folder that tf.loadLayersModel loads; readTfjsLayers reads it back bit for bit', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tfjs-layers-'));
  try {
    const dir = join(root, 'web', 'model'); // created
    for (const model of [trained(new Autoencoder(6, [4, 2], { activation: 'elu', seed: 1 })), trained(new VariationalAutoencoder(6, 2, { hidden: [4], activation: 'leakyRelu', outputActivation: 'sigmoid', seed: 2 }))]) {
      await writeTfjsLayers(model, dir); // the second overwrites the first
      assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin'], 'no temp files left');
      const tfModel = await tf.loadLayersModel(fileHandler(dir));
      const rows = randomRows(5, 6, 51, -1, 1);
      const out = predict(tfModel, rows);
      if (model instanceof Autoencoder) assertClose(out[0]!, model.test(rows).reconstructed.data, 'reconstruction from files');
      else assertClose(out[2]!, model.decode(model.encode(rows).mean).data, 'VAE reconstruction from files');
      tfModel.dispose();
      const copy = await readTfjsLayers(dir);
      assertSameModel(copy, model);
      copy.dispose();
      model.dispose();
    }
    await writeTfjsLayers(new VariationalAutoencoder(6, 2), dir, { part: 'decoder' });
    const decoder = await tf.loadLayersModel(fileHandler(dir));
    assert.deepEqual(decoder.inputs[0]!.shape, [null, 2]);
    decoder.dispose();
    await assert.rejects(readTfjsLayers(dir), /model\.json: holds the decoder of a VAE alone/);

    // A manifest naming a file outside the folder is refused before anything is read.
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../../weights.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /names the weights file "\.\.\/\.\.\/weights\.bin": only a plain file name/.test(error.message));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('readTfjsLayers reads shards named as TF.js names them (./ and several files), each with at most what the manifest has left for it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tfjs-layers-'));
  try {
    const model = trained(new Autoencoder(6, [4, 2], { seed: 3 }));
    await writeTfjsLayers(model, root);
    const json = JSON.parse(await readFile(join(root, 'model.json'), 'utf8'));
    const bytes = await readFile(join(root, 'weights.bin'));
    await rm(join(root, 'weights.bin'));
    // As tf.io.browserDownloads saves: './<name>.weights.bin', here cut into two shards.
    json.weightsManifest[0].paths = ['./my-model.weights.bin', 'my-model.weights-2.bin'];
    await writeFile(join(root, 'model.json'), JSON.stringify(json));
    await writeFile(join(root, 'my-model.weights.bin'), bytes.subarray(0, 40));
    await writeFile(join(root, 'my-model.weights-2.bin'), bytes.subarray(40));
    const copy = await readTfjsLayers(root);
    assertSameModel(copy, model);
    copy.dispose();
    // A shard holding more than the manifest leaves for it is refused before it is read.
    await writeFile(join(root, 'my-model.weights.bin'), bytes);
    await assert.rejects(readTfjsLayers(root), (error: unknown) => error instanceof DataFormatError
      && new RegExp(`my-model\\.weights-2\\.bin: is ${bytes.length - 40} bytes, more than the 0 left for it of the ${bytes.length} bytes`).test(error.message));
    model.dispose();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('readTfjsLayers never reads more than the manifest names: a repeated path, an oversized weights.bin and symbolic links are refused', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tfjs-layers-'));
  try {
    const dir = join(root, 'model');
    const model = new Autoencoder(5, 3, { seed: 4 });
    await writeTfjsLayers(model, dir);
    model.dispose();
    const modelJson = join(dir, 'model.json'), weights = join(dir, 'weights.bin');
    const json = JSON.parse(await readFile(modelJson, 'utf8'));
    const original = await readFile(weights);
    // weights.bin named 64 times beside a 4 MiB weights.bin: refused from model.json alone.
    await writeFile(modelJson, JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: Array(64).fill('weights.bin') }] }));
    await writeFile(weights, new Uint8Array(4 * 2 ** 20));
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /model\.json: weightsManifest\[0\] names the weights file "weights\.bin" a second time/.test(error.message));
    // Named once, the 4 MiB file is refused by its size: the manifest announces 152 bytes.
    await writeFile(modelJson, JSON.stringify(json));
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /weights\.bin: is 4194304 bytes, more than the 152 left for it of the 152 bytes of weights/.test(error.message));
    // A manifest announcing more than 4 GiB is refused before any weight file is opened.
    await rm(weights);
    const huge = structuredClone(json);
    huge.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 20];
    await writeFile(modelJson, JSON.stringify(huge));
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /tensor "encode\/kernel" of shape \[1048576, 1048576\] ends past the 4294967296 bytes of weights read at most/.test(error.message));

    // Symbolic links are refused, whether weights.bin or model.json, wherever they lead; the folder itself may be one.
    await writeFile(modelJson, JSON.stringify(json));
    const outside = join(root, 'elsewhere.bin');
    await writeFile(outside, original);
    try {
      await symlink(outside, weights);
    } catch (error) {
      if ((error as { code?: string }).code === 'EPERM') return; // no symbolic links here (Windows without the privilege)
      throw error;
    }
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /weights\.bin: is a symbolic link/.test(error.message));
    await rm(weights);
    await writeFile(weights, original);
    await rename(modelJson, join(root, 'model.json'));
    await symlink(join(root, 'model.json'), modelJson);
    await assert.rejects(readTfjsLayers(dir), (error: unknown) => error instanceof DataFormatError && /model\.json: is a symbolic link/.test(error.message));
    await rm(modelJson);
    await rename(join(root, 'model.json'), modelJson);
    await symlink(dir, join(root, 'link'));
    (await readTfjsLayers(join(root, 'link'))).dispose();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
