// The Cloudflare Worker of test/facade/edge.test.ts.
import { handle } from './handle.js';

export default { fetch: handle };
