// `wasm-autoencoder train`: train on a data set with a progress bar; Ctrl-C saves a checkpoint and exits.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import {
  Autoencoder, bindData, decodeCheckpoint, encodeCheckpoint, type AutoencoderOptions, type Corruption, type Loss, type Matrix,
  type RunOptions, type TrainHistory, type TrainOptions, type WeightInit,
} from 'wasm-autoencoder';
import { checkpointTo, save } from 'wasm-autoencoder/node';
import { count, duration } from './format.js';
import { loadModel } from './model-file.js';
import { RUN_HELP, RUN_OPTIONS, runFlags } from './run-flags.js';
import { ACTIVATIONS, OUTPUT_ACTIVATIONS, SOURCE_HELP, SOURCE_OPTIONS, checkWritable, loadSource, modelScale, numberIn, oneOf, positiveInteger, positiveNumber, scaleFlag } from './sources.js';

export const TRAIN_HELP = `usage: wasm-autoencoder train <data> --out FILE [options]

Trains an autoencoder and saves it to FILE. The defaults are the chapter's model: one tanh hidden layer, a linear
output layer, RMSE loss, RMSProp.

${SOURCE_HELP}
model:
  --hidden N[,N…]        encoder widths, the code last, e.g. 256,64 (the decoder mirrors them); default 100
  --activation NAME      hidden layers: tanh (default), sigmoid, relu, leakyRelu or elu
  --output-activation NAME
                         output layer: linear (default), tanh, sigmoid, relu, leakyRelu or elu
  --loss rmse|mse|bce    default rmse; bce (binary cross-entropy) needs --output-activation sigmoid and values in [0, 1]
  --optimizer NAME       rmsprop (default), adam or sgd, each with TensorFlow 1's defaults
  --learning-rate X      the optimizer's learning rate (default 0.001)
  --momentum X           momentum of rmsprop or sgd, in [0, 1) (default 0)
  --seed N               seed of the initial weights, batches and corruption, ≥ 1 (default 1)
  --init normal|glorot   initial weights: N(0, 1) as in the chapter, or Glorot-scaled (the default for pictures)
  --raw                  pictures as the chapter trains on them: values 0–255 and N(0, 1) weights (without it,
                         pictures are scaled to [0, 1], kept in the model as --scale 0.00392, and start from Glorot)
training:
  --out FILE             where the trained model goes (written atomically)
  --epochs N             epochs (default 250)
  --batch-size N         rows per step (default 10; 1 is the chapter's per-sample loop)
  --corruption TYPE:X    denoising: corrupt every batch's inputs afresh and learn to give back the clean rows;
                         gaussian:STDDEV adds N(0, STDDEV²) noise, mask:FRACTION sets that fraction of the
                         values to 0, saltAndPepper:FRACTION sets that fraction to 0 or 1 (e.g. mask:0.2)
  --validation F         hold out the last fraction F of the rows (e.g. 0.1) and show their loss every epoch
  --patience N           stop once the validation loss has not improved for N epochs, and keep the weights of
                         the best epoch (needs --validation)
  --checkpoint-every N   also save to FILE every N epochs
  --resume               continue training the model already in FILE: model flags must equal the saved model's,
                         except --learning-rate, which it takes on; training flags apply
  --force                replace FILE if it exists (without it, train refuses to overwrite a model)
${RUN_HELP}`;

const LOSSES = ['rmse', 'mse', 'bce'] as const satisfies readonly Loss[];
const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
const MAX_LAYERS = 64;
const MAX_WIDTH = 1 << 24; // as the library allows
// The flags that shape a new model: --resume continues the saved one as it is, so it refuses them.
const MODEL_FLAGS = ['hidden', 'learning-rate', 'activation', 'output-activation', 'loss', 'optimizer', 'momentum', 'seed', 'init'] as const;

export async function train(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SOURCE_OPTIONS,
      out: { type: 'string' },
      hidden: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      activation: { type: 'string' },
      'output-activation': { type: 'string' },
      loss: { type: 'string' },
      optimizer: { type: 'string' },
      momentum: { type: 'string' },
      seed: { type: 'string' },
      init: { type: 'string' },
      raw: { type: 'boolean' },
      corruption: { type: 'string' },
      validation: { type: 'string' },
      patience: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      ...RUN_OPTIONS,
      resume: { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(TRAIN_HELP);
  if (values.out === undefined) throw new RangeError('train needs --out FILE: where to save the model');
  await checkWritable(values.out, '--out');
  if (values.resume && values.force) throw new RangeError('--resume continues the model in --out and --force replaces it: give one of them');
  if (!values.resume && !values.force && (await exists(values.out))) {
    throw new RangeError(`--out ${values.out} exists: pass --resume to continue training it, or --force to replace it`);
  }
  // Every flag is checked before the data is read: a typo should not wait for CIFAR to load.
  // Pictures (every source but --csv) are scaled to [0, 1] and start from Glorot weights unless --raw asks for the
  // chapter's setting: with 0–255 values and N(0, 1) weights every tanh code saturates and nothing is learned.
  const pictures = values.csv === undefined && !values.raw;
  if (values.raw && values.csv !== undefined) throw new RangeError('--raw applies to pictures (CIFAR, IDX, Fashion-MNIST, --images); --csv values are always used as they are');
  if (values.raw && values.scale !== undefined) throw new RangeError('--raw keeps the values as they are: drop --scale, or --raw');
  if (values.raw && values.init !== undefined) throw new RangeError('--raw starts from N(0, 1) weights, as the chapter: drop --init, or --raw');
  const requested = modelFlagValues(values, pictures ? 'glorot' : 'normal');
  const model = values.resume ? undefined : requested;
  const epochs = positiveInteger(values.epochs ?? '250', '--epochs');
  const givenBatchSize = positiveInteger(values['batch-size'] ?? '10', '--batch-size');
  const checkpointEvery = values['checkpoint-every'] === undefined ? 0 : positiveInteger(values['checkpoint-every'], '--checkpoint-every');
  const corruption = values.corruption === undefined ? undefined : corruptionFlag(values.corruption);
  const validation = values.validation === undefined
    ? undefined
    : numberIn(values.validation, '--validation', (n) => n > 0 && n < 1, 'a fraction between 0 and 1 such as 0.1 (the share of rows held out)');
  if (values.patience !== undefined && validation === undefined) {
    throw new RangeError('--patience needs --validation: early stopping watches the loss on held-out rows (e.g. --validation 0.1)');
  }
  const patience = values.patience === undefined ? undefined : positiveInteger(values.patience, '--patience');
  const run = runFlags(values);

  const resumed = values.resume ? reconcile(await loadModel(values.out, true, run), requested, values, run) : undefined;
  const scale = resumed ? modelScale(resumed, values.scale) : values.scale === undefined && pictures ? PIXEL_SCALE : scaleFlag(values.scale);
  const source = await loadSource(values, scale);
  const { rows } = source.data;
  // As train holds out a validation fraction: the last ⌈fraction·rows⌉ rows.
  const heldOut = validation === undefined ? 0 : Math.ceil(validation * rows);
  const trainRows = rows - heldOut;
  if (trainRows < 1) throw new RangeError(`--validation ${values.validation} holds out all ${rows} rows and leaves none to train on`);
  const batchSize = Math.min(givenBatchSize, trainRows);
  const ae = resumed ?? new Autoencoder(source.data.cols, model!.hidden, { ...model!.options, ...run });
  ae.metadata.scale = scale ?? 1; // reconstruct and encode apply it by themselves
  const interrupted = new AbortController();
  const onSigint = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const scaling = scale === undefined ? '' : `, values × ${scale}`;
  const holding = heldOut === 0 ? '' : ` (the last ${heldOut} held out for validation)`;
  console.log(`training ${architecture(ae)} on ${source.describe}${scaling}: ${rows} rows${holding}, ${count(epochs, 'epoch')}, batch ${batchSize}`);
  console.log(`  ${settings(ae, values.corruption, patience, run)}`);

  const bar = new cliProgress.SingleBar(
    {
      format: `epoch {value}/{total} {bar} loss {loss}${validation === undefined ? '' : ' | validation {validation}'} | {speed} samples/s | {left} left`,
      // Without a terminal (CI logs, a pipe) a line every few seconds instead of redrawing one.
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bound = bindData(source.data);
  const samplesPerEpoch = Math.ceil(trainRows / batchSize) * batchSize;
  const options: TrainOptions = {
    epochs,
    batchSize,
    logEvery: 0,
    signal: interrupted.signal,
    ...(corruption === undefined ? {} : { corruption }),
    ...(validation === undefined ? {} : { validation }),
    ...(patience === undefined ? {} : { earlyStopping: { patience } }),
    ...(checkpointEvery > 0 ? { checkpointEvery, onCheckpoint: checkpointTo(values.out) } : {}),
  };
  const started = performance.now();
  let last = performance.now();
  let history: TrainHistory;
  let warned = false;
  bar.start(epochs, 0, { loss: '–', validation: '–', speed: '–', left: '–' });
  try {
    history = await ae.trainAsync(bound, {
      ...options,
      onEpoch: ({ epoch, loss, validationLoss }) => {
        // After epochs 1, 2, 4, 8, …: a forward pass of 256 rows each time would cost a few % of short epochs.
        if (!warned && (epoch & (epoch + 1)) === 0) {
          const saturated = saturation(ae, source.data);
          if (saturated !== undefined) {
            warned = true;
            console.warn(`\nwarning: ${saturated} after epoch ${epoch + 1}: a saturated model learns little (scale the data, e.g. --scale 0.00392, or start from --init glorot)`);
          }
        }
        const now = performance.now();
        const left = ((now - started) / (epoch + 1)) * (epochs - epoch - 1);
        bar.update(epoch + 1, { loss: loss.toPrecision(5), validation: validationLoss?.toPrecision(5) ?? '–', speed: Math.round((samplesPerEpoch / (now - last)) * 1000), left: duration(left) });
        last = now;
      },
    });
    bar.stop();
  } catch (error) {
    bar.stop();
    if (!interrupted.signal.aborted) throw error;
    await save(ae, values.out);
    console.log(`interrupted after ${count(ae.epochsTrained, 'epoch')} in all; the model so far is saved in ${values.out}`);
    process.exitCode = 130;
    return;
  } finally {
    process.off('SIGINT', onSigint);
    bound.dispose();
  }
  const stopping = patience === undefined ? undefined : earlyStoppingReport(history, epochs, patience);
  if (stopping !== undefined) console.log(stopping);
  await save(ae, values.out);
  const saved = `saved ${values.out} (${count(ae.epochsTrained, 'epoch')} in all)`;
  if (heldOut === 0) {
    console.log(`${saved}; loss on the training data ${ae.test(source.data).loss.toPrecision(5)}`);
  } else {
    const trainLoss = ae.test(rowRange(source.data, 0, trainRows)).loss;
    const validationLoss = ae.test(rowRange(source.data, trainRows, rows)).loss;
    console.log(`${saved}; loss on the training rows ${trainLoss.toPrecision(5)}, validation loss ${validationLoss.toPrecision(5)}`);
  }
}

type Values = { [flag in (typeof MODEL_FLAGS)[number]]?: string };

/** The scale pictures get by default: 0–255 to [0, 1] (as the CLI prints it, so that it reads as it is stored). */
const PIXEL_SCALE = 0.00392;
// A code value counts as saturated this close to its activation's limit; the model is when nearly all of them are.
const NEAR_LIMIT = 0.01;
const SATURATED_SHARE = 0.95;

/**
 * Whether the model's codes of (up to 256 of) the rows sit at their activation's limits almost everywhere, said in a
 * few words; undefined when they do not (or the activation has no limit that stops learning).
 */
function saturation(ae: Autoencoder, data: Matrix): string | undefined {
  const { activation } = ae.options;
  const atLimit: Partial<Record<typeof activation, (c: number) => boolean>> = {
    tanh: (c) => Math.abs(c) >= 1 - NEAR_LIMIT,
    sigmoid: (c) => c <= NEAR_LIMIT || c >= 1 - NEAR_LIMIT,
    relu: (c) => c <= 0,
    elu: (c) => c <= -1 + NEAR_LIMIT,
  };
  const test = atLimit[activation];
  if (!test) return undefined;
  const rows = Math.min(256, data.rows);
  const { data: codes } = ae.encode({ rows, cols: data.cols, data: data.data.subarray(0, rows * data.cols) });
  const share = codes.reduce((n, c) => n + (test(c) ? 1 : 0), 0) / codes.length;
  return share >= SATURATED_SHARE ? `${Math.round(share * 100)}% of the code values sit at ${activation}'s ${activation === 'relu' ? 'zero' : 'limits'}` : undefined;
}


/**
 * The saved model to go on training, checked against the model flags given with --resume: a flag equal to the
 * saved value is fine, a different one is refused (naming each), except --learning-rate, which the model takes on.
 */
function reconcile(saved: Autoencoder, requested: ReturnType<typeof modelFlagValues>, values: Values, run: RunOptions): Autoencoder {
  const { options } = saved;
  const want = requested.options;
  const savedMomentum = 'momentum' in options.optimizer ? options.optimizer.momentum : undefined;
  const wantMomentum = want.optimizer && 'momentum' in want.optimizer ? want.optimizer.momentum : undefined;
  const savedValues: Record<Exclude<(typeof MODEL_FLAGS)[number], 'learning-rate'>, [unknown, unknown]> = {
    hidden: [saved.hidden.join(','), [requested.hidden].flat().join(',')],
    activation: [options.activation, want.activation],
    'output-activation': [options.outputActivation, want.outputActivation],
    loss: [options.loss, want.loss],
    optimizer: [options.optimizer.name, want.optimizer?.name],
    momentum: [savedMomentum, wantMomentum],
    seed: [options.seed, want.seed],
    init: [options.weightInit, want.weightInit],
  };
  const conflicts = Object.entries(savedValues)
    .filter(([flag, [had, given]]) => values[flag as keyof Values] !== undefined && had !== given)
    .map(([flag, [had]]) => `--${flag} ${values[flag as keyof Values]} differs from its ${had === undefined ? 'none' : String(had)}`);
  if (conflicts.length > 0) {
    saved.dispose();
    throw new RangeError(`--resume continues the saved model: ${conflicts.join('; ')} (give the saved value or leave the flag out)`);
  }
  if (values['learning-rate'] === undefined || want.learningRate === options.learningRate) return saved;
  // The learning rate is an option of the model: go on from the same checkpoint with the new one.
  const { header, tensors } = decodeCheckpoint(saved.toBytes());
  saved.dispose();
  return Autoencoder.fromBytes(encodeCheckpoint({ header: { ...header, options: { ...options, learningRate: want.learningRate } }, tensors }), run);
}

/** The new model's hidden widths and options, from the model flags (defaults: the chapter's). */
function modelFlagValues(values: Values, init: WeightInit): { hidden: number | number[]; options: AutoencoderOptions } {
  const hidden = hiddenFlag(values.hidden ?? '100');
  const outputActivation = oneOf(values['output-activation'] ?? 'linear', OUTPUT_ACTIVATIONS, '--output-activation');
  const loss = oneOf(values.loss ?? 'rmse', LOSSES, '--loss');
  if (loss === 'bce' && outputActivation !== 'sigmoid') {
    throw new RangeError(`--loss bce needs --output-activation sigmoid (outputs in (0, 1)), got ${values['output-activation'] === undefined ? 'the default, linear' : `'${outputActivation}'`}`);
  }
  const name = oneOf(values.optimizer ?? 'rmsprop', OPTIMIZERS, '--optimizer');
  const momentum = values.momentum === undefined ? undefined : numberIn(values.momentum, '--momentum', (n) => n >= 0 && n < 1, 'a number in [0, 1) such as 0.9');
  if (momentum !== undefined && name === 'adam') throw new RangeError('--momentum applies to --optimizer rmsprop or sgd; adam has no momentum setting');
  return {
    hidden: hidden.length === 1 ? hidden[0]! : hidden,
    options: {
      learningRate: positiveNumber(values['learning-rate'] ?? '0.001', '--learning-rate'),
      activation: oneOf(values.activation ?? 'tanh', ACTIVATIONS, '--activation'),
      outputActivation,
      loss,
      optimizer: name === 'adam' ? { name } : { name, ...(momentum === undefined ? {} : { momentum }) },
      seed: positiveInteger(values.seed ?? '1', '--seed'),
      weightInit: oneOf<WeightInit>(values.init ?? init, ['normal', 'glorot'], '--init'),
    },
  };
}

/** --hidden: one width, or widths separated by commas (digits only: no 0x10, 1e2 or empty items). */
function hiddenFlag(text: string): number[] {
  const widths = text.split(',').map((item) => (/^\s*\d+\s*$/.test(item) ? Number(item) : NaN));
  if (widths.some((width) => !(width >= 1))) {
    throw new RangeError(widths.length === 1 ? `--hidden must be a positive integer, got '${text}'` : `--hidden must be positive integers separated by commas, e.g. 256,64; got '${text}'`);
  }
  if (widths.length > MAX_LAYERS) throw new RangeError(`--hidden gives ${widths.length} layers; at most ${MAX_LAYERS} are supported`);
  const tooWide = widths.find((width) => width > MAX_WIDTH);
  if (tooWide !== undefined) throw new RangeError(`--hidden ${tooWide} is too wide; at most ${MAX_WIDTH} values per layer are supported`);
  return widths;
}

/** --corruption TYPE:X: gaussian:STDDEV, mask:FRACTION or saltAndPepper:FRACTION. */
function corruptionFlag(text: string): Corruption {
  const [type = '', parameter, ...rest] = text.split(':');
  const expected = 'gaussian:STDDEV, mask:FRACTION or saltAndPepper:FRACTION, e.g. mask:0.2';
  if (!['gaussian', 'mask', 'saltAndPepper'].includes(type) || rest.length > 0) throw new RangeError(`--corruption must be ${expected}; got '${text}'`);
  if (type === 'gaussian') {
    if (parameter === undefined) throw new RangeError(`--corruption gaussian needs the noise's standard deviation: gaussian:STDDEV, e.g. gaussian:0.3`);
    return { type, stddev: numberIn(parameter, '--corruption gaussian:STDDEV', (n) => n >= 0, 'a number ≥ 0') };
  }
  if (parameter === undefined) throw new RangeError(`--corruption ${type} needs the fraction of values to corrupt: ${type}:FRACTION, e.g. ${type}:0.1`);
  const fraction = numberIn(parameter, `--corruption ${type}:FRACTION`, (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]');
  return type === 'mask' ? { type, fraction } : { type: 'saltAndPepper', fraction };
}

/** Input → hidden… → code → …hidden → output, e.g. `784 → 256 → 64 → 256 → 784`. */
function architecture(ae: Autoencoder): string {
  return [ae.inputDim, ...ae.hidden, ...ae.hidden.slice(0, -1).reverse(), ae.inputDim].join(' → ');
}

/** The model's settings and the training flags in force, in the flags' words. */
function settings(ae: Autoencoder, corruption: string | undefined, patience: number | undefined, asked: RunOptions): string {
  const { activation, outputActivation, loss, optimizer, learningRate } = ae.options;
  const momentum = 'momentum' in optimizer && optimizer.momentum !== 0 ? `, momentum ${optimizer.momentum}` : '';
  const model = `activation ${activation}, output activation ${outputActivation}, loss ${loss}, optimizer ${optimizer.name}, learning rate ${learningRate}${momentum}`;
  // What the run got where it asked for more: Node without relaxed SIMD runs exact.
  const precision = ae.precision === 'fast'
    ? '; precision fast'
    : asked.precision === 'fast' ? '; precision exact (fast needs relaxed SIMD: Node 22 and later, or node --experimental-wasm-relaxed-simd)' : '';
  const run = `${ae.threads === 1 ? '' : `; ${ae.threads} threads`}${precision}`;
  return `${model}${corruption === undefined ? '' : `; corruption ${corruption}`}${patience === undefined ? '' : `; early stopping with patience ${patience}`}${run}`;
}

/**
 * One line on early stopping, when it changed the outcome: training stopped early, or the model kept the weights
 * of an epoch before the last (restoreBest).
 */
function earlyStoppingReport(history: TrainHistory, epochs: number, patience: number): string | undefined {
  const losses = history.validation!;
  // As train chooses: the first epoch below every earlier one (a NaN loss never improves).
  let best = -1;
  losses.forEach((loss, epoch) => {
    if (loss < (best < 0 ? Infinity : losses[best]!)) best = epoch;
  });
  if (best < 0) return `no epoch had a finite validation loss; the weights are those of the last epoch`;
  const kept = `kept the weights of the best epoch (epoch ${best + 1}, validation loss ${losses[best]!.toPrecision(5)})`;
  if (losses.length < epochs) return `stopped early after ${losses.length} of ${epochs} epochs: the validation loss did not improve for ${patience} epoch${patience === 1 ? '' : 's'}; ${kept}`;
  return best === losses.length - 1 ? undefined : `ran all ${epochs} epochs; ${kept}`;
}

/** Rows start…end−1 of m, sharing its values. */
function rowRange(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
