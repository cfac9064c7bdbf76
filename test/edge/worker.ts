// A Cloudflare Worker using the package as a user would: the `workerd` export condition picks the entry that
// imports the .wasm as a module (Workers refuse to compile wasm from bytes at run time), so there is nothing to
// configure. POST /train trains the chapter's iris model and answers its checkpoint; POST /encode?row=8,4,6,2
// takes a checkpoint and answers the row's code.
import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.pathname === '/train') {
      const ae = new Autoencoder(4, 1, { seed: 7 });
      const history = ae.train(iris, { epochs: Number(url.searchParams.get('epochs') ?? 20), logEvery: 0 });
      const checkpoint = ae.toBytes();
      ae.dispose();
      return new Response(checkpoint, { headers: { 'content-type': 'application/octet-stream', 'x-loss': String(history.at(-1)) } });
    }
    if (request.method === 'POST' && url.pathname === '/encode') {
      const ae = Autoencoder.fromBytes(await request.arrayBuffer());
      const row = (url.searchParams.get('row') ?? '').split(',').map(Number);
      const codes = ae.encode([row]);
      ae.dispose();
      return Response.json({ codes: Array.from(codes.data) });
    }
    return new Response('POST /train or /encode', { status: 404 });
  },
};
