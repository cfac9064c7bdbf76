// The training worker: a module Web Worker that trains on what it is sent and streams progress back, so the
// page's main thread stays free.
import { Autoencoder } from '../model/autoencoder.js';
import { VariationalAutoencoder } from '../model/vae.js';
import { init } from '../runtime/wasm.js';
import { relaxedSimdAvailable } from '../runtime/relaxed-simd.js';
import type { TrainReply, TrainRequest } from './protocol.js';

interface Port {
  postMessage(message: TrainReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: TrainRequest }) => void): void;
}

const port = globalThis as unknown as Port;

port.addEventListener('message', async ({ data: request }) => {
  if (request.type !== 'train') return;
  let model: Autoencoder | VariationalAutoencoder | undefined;
  try {
    // Literal URLs, for bundlers to follow; the build with fused products where precision 'fast' can use them.
    const wasm = relaxedSimdAvailable()
      ? new URL('../../build/autoencoder-fast.wasm', import.meta.url)
      : new URL('../../build/autoencoder.wasm', import.meta.url);
    await init({ wasm });
    model = modelFor(request);
    const history = await model.trainAsync(request.data, {
      ...request.train,
      logEvery: 0,
      onEpoch: ({ batchLosses: _batchLosses, ...info }) => port.postMessage({ type: 'epoch', ...info }),
    });
    const checkpoint = model.toBytes();
    const validation = history.validation ? { validation: history.validation } : {};
    port.postMessage({ type: 'done', checkpoint, history: [...history], ...validation }, [checkpoint.buffer]);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    const { history, file } = error as { history?: number[]; file?: string };
    port.postMessage({ type: 'error', name, message, ...(history ? { history } : {}), ...(file ? { file } : {}) });
  } finally {
    model?.dispose();
  }
});

/** The model the request asks for: a new one, or the checkpoint's (in the precision asked for). */
function modelFor(request: TrainRequest): Autoencoder | VariationalAutoencoder {
  const { checkpoint, data } = request;
  const run = { precision: request.model.precision };
  if (request.kind === 'vae') {
    return checkpoint ? VariationalAutoencoder.fromBytes(checkpoint, run) : new VariationalAutoencoder(data.cols, request.latentDim, request.model);
  }
  return checkpoint ? Autoencoder.fromBytes(checkpoint, run) : new Autoencoder(data.cols, request.hidden, request.model);
}
