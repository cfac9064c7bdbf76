// The training worker: a module Web Worker that trains on what it is sent and streams progress back, so the
// page's main thread stays free.
import { Autoencoder } from '../model/autoencoder.js';
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
  let ae: Autoencoder | undefined;
  try {
    // Literal URLs, for bundlers to follow; the build with fused products where precision 'fast' can use them.
    const wasm = relaxedSimdAvailable()
      ? new URL('../../build/autoencoder-fast.wasm', import.meta.url)
      : new URL('../../build/autoencoder.wasm', import.meta.url);
    await init({ wasm });
    ae = request.checkpoint
      ? Autoencoder.fromBytes(request.checkpoint, { precision: request.model.precision })
      : new Autoencoder(request.data.cols, request.hidden, request.model);
    const history = await ae.trainAsync(request.data, {
      ...request.train,
      logEvery: 0,
      onEpoch: ({ epoch, loss, validationLoss }) => port.postMessage({ type: 'epoch', epoch, loss, ...(validationLoss === undefined ? {} : { validationLoss }) }),
    });
    const checkpoint = ae.toBytes();
    const validation = history.validation ? { validation: history.validation } : {};
    port.postMessage({ type: 'done', checkpoint, history: [...history], ...validation }, [checkpoint.buffer]);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    const { history, file } = error as { history?: number[]; file?: string };
    port.postMessage({ type: 'error', name, message, ...(history ? { history } : {}), ...(file ? { file } : {}) });
  } finally {
    ae?.dispose();
  }
});
