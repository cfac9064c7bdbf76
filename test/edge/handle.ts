// An edge function using the package as a user would: the `workerd` and `edge-light` export conditions pick the
// entries that import the .wasm as a module (edge runtimes refuse to compile wasm from bytes at run time), so there
// is nothing to configure. POST /train trains the chapter's iris model and answers its checkpoint;
// POST /encode?row=8,4,6,2 takes a checkpoint and answers the row's code; POST /compile shows that the runtime
// does refuse to compile wasm bytes (an empty module), which is what the package's entries must get around.
import { Autoencoder } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

export async function handle(request: Request): Promise<Response> {
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
  if (request.method === 'POST' && url.pathname === '/compile') {
    return WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])).then(
      () => new Response('compiled'),
      (error: Error) => new Response(String(error), { status: 403 }),
    );
  }
  return new Response('POST /train, /encode or /compile', { status: 404 });
}
