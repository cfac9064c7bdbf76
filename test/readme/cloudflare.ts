import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

export default {
  async fetch(request: Request): Promise<Response> {
    const ae = new Autoencoder(4, 1, { seed: 7 });
    ae.train(iris, { epochs: 20, logEvery: 0 });
    const checkpoint = ae.toBytes();   // Autoencoder.fromBytes() reads it in any runtime
    ae.dispose();
    return new Response(checkpoint);
  },
};
