// A Next.js route on the edge runtime (the `edge-light` condition, the one Vercel's edge functions use).
import { handle } from '../../../handle';

export const runtime = 'edge';
export const POST = handle;
