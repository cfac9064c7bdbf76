import { Autoencoder } from 'wasm-autoencoder';

export const runtime = 'edge';

export async function POST(request: Request): Promise<Response> {
  const ae = Autoencoder.fromBytes(await request.arrayBuffer());   // a checkpoint trained anywhere
  const { data } = ae.encode([[5.1, 3.5, 1.4, 0.2]]);
  ae.dispose();
  return Response.json({ code: Array.from(data) });
}
