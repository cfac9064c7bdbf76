// `wasm-autoencoder train`: train on a data set with a progress bar; Ctrl-C saves a checkpoint and exits.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { Autoencoder, bindData, type Activation, type WeightInit } from 'wasm-autoencoder';
import { checkpointTo, load, save } from 'wasm-autoencoder/node';
import { SOURCE_HELP, SOURCE_OPTIONS, checkWritable, loadSource, modelScale, oneOf, positiveInteger, positiveNumber, scaleFlag } from './sources.js';

export const TRAIN_HELP = `usage: wasm-autoencoder train <data> --out FILE [options]

Trains an autoencoder (tanh encoder, linear decoder, RMSProp, RMSE loss) and saves it to FILE.

${SOURCE_HELP}
model and training:
  --out FILE             where the trained model goes (written atomically)
  --hidden N             code size (default 100)
  --epochs N             epochs (default 250)
  --batch-size N         rows per step (default 10; 1 is the chapter's per-sample loop)
  --learning-rate X      RMSProp learning rate (default 0.001)
  --activation NAME      tanh (default), sigmoid or relu
  --seed N               seed of the initial weights and batches, ≥ 1 (default 1)
  --init normal|glorot   initial weights: N(0, 1) as in the chapter (default), or Glorot-scaled for wide inputs
  --checkpoint-every N   also save to FILE every N epochs
  --resume               continue training the model already in FILE`;

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
      seed: { type: 'string' },
      init: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(TRAIN_HELP);
  if (values.out === undefined) throw new RangeError('train needs --out FILE: where to save the model');
  await checkWritable(values.out, '--out');
  const modelFlags = (['hidden', 'learning-rate', 'activation', 'seed', 'init'] as const).filter((flag) => values[flag] !== undefined);
  if (values.resume && modelFlags.length > 0) throw new RangeError(`--resume continues the saved model as it is: drop --${modelFlags.join(', --')}`);
  const resumed = values.resume ? await load(values.out) : undefined;
  const scale = resumed ? modelScale(resumed, values.scale) : scaleFlag(values.scale);
  const source = await loadSource(values, scale);
  const epochs = positiveInteger(values.epochs ?? '250', '--epochs');
  const batchSize = Math.min(positiveInteger(values['batch-size'] ?? '10', '--batch-size'), source.data.rows);
  const checkpointEvery = values['checkpoint-every'] === undefined ? 0 : positiveInteger(values['checkpoint-every'], '--checkpoint-every');
  const ae =
    resumed ??
    new Autoencoder(source.data.cols, positiveInteger(values.hidden ?? '100', '--hidden'), {
      learningRate: positiveNumber(values['learning-rate'] ?? '0.001', '--learning-rate'),
      activation: oneOf<Activation>(values.activation ?? 'tanh', ['tanh', 'sigmoid', 'relu'], '--activation'),
      seed: positiveInteger(values.seed ?? '1', '--seed'),
      weightInit: oneOf<WeightInit>(values.init ?? 'normal', ['normal', 'glorot'], '--init'),
    });
  ae.metadata.scale = scale ?? 1; // reconstruct and encode apply it by themselves
  const interrupted = new AbortController();
  const onSigint = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const scaling = scale === undefined ? '' : `, values × ${scale}`;
  console.log(`training ${ae.inputDim} → ${ae.hiddenDim} → ${ae.inputDim} on ${source.describe}${scaling}: ${source.data.rows} rows, ${epochs} epochs, batch ${batchSize}`);

  const bar = new cliProgress.SingleBar(
    { format: 'epoch {value}/{total} {bar} loss {loss} | {speed} samples/s | {eta_formatted} left', hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  const bound = bindData(source.data);
  const samplesPerEpoch = Math.ceil(source.data.rows / batchSize) * batchSize;
  let last = performance.now();
  bar.start(epochs, 0, { loss: '–', speed: '–' });
  try {
    await ae.trainAsync(bound, {
      epochs,
      batchSize,
      logEvery: 0,
      signal: interrupted.signal,
      ...(checkpointEvery > 0 ? { checkpointEvery, onCheckpoint: checkpointTo(values.out) } : {}),
      onEpoch: ({ epoch, loss }) => {
        const now = performance.now();
        bar.update(epoch + 1, { loss: loss.toPrecision(5), speed: Math.round((samplesPerEpoch / (now - last)) * 1000) });
        last = now;
      },
    });
    bar.stop();
  } catch (error) {
    bar.stop();
    if (!interrupted.signal.aborted) throw error;
    await save(ae, values.out);
    console.log(`interrupted after ${ae.epochsTrained} epochs in all; the model so far is saved in ${values.out}`);
    process.exitCode = 130;
    return;
  } finally {
    process.off('SIGINT', onSigint);
    bound.dispose();
  }
  await save(ae, values.out);
  const { loss } = ae.test(source.data);
  console.log(`saved ${values.out} (${ae.epochsTrained} epochs in all); loss on the training data ${loss.toPrecision(5)}`);
}
