// An edge function using the package as a user would: the `workerd` and `edge-light` export conditions pick the
// entries that import the .wasm as a module (edge runtimes refuse to compile wasm from bytes at run time), so there
// is nothing to configure. POST /train trains the chapter's iris model (with trainAsync, which yields between
// epochs) and answers its checkpoint; POST /encode?row=8,4,6,2 takes a checkpoint and answers the row's code;
// POST /worker answers trainInWorker's error; POST /compile answers whether the runtime compiles wasm bytes (an
// empty module), which workerd refuses and the package's entries must get around.
import { Autoencoder, trainInWorker } from 'wasm-autoencoder';
import { iris } from 'wasm-autoencoder/datasets';

export async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === 'POST' && url.pathname === '/train') {
    const ae = new Autoencoder(4, 1, { seed: 7 });
    const history = await ae.trainAsync(iris, { epochs: Number(url.searchParams.get('epochs') ?? 20), logEvery: 0 });
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
  if (request.method === 'POST' && url.pathname === '/worker') {
    return trainInWorker(iris, { hidden: 1 }).then(
      () => new Response('trained in a worker'),
      (error: Error) => new Response(`${error.name}: ${error.message}`, { status: 501 }),
    );
  }
  if (request.method === 'POST' && url.pathname === '/compile') {
    return WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])).then(
      () => new Response('compiled'),
      (error: Error) => new Response(String(error), { status: 403 }),
    );
  }
  return new Response('POST /train, /encode, /worker or /compile', { status: 404 });
}
