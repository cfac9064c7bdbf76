// Builds a page folder with Vite or webpack, serves it on 127.0.0.1 and opens it in Debian's Chromium (playwright-core).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { buildPage, type Bundler } from './bundlers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Why browser tests are skipped on this machine, or false when they can run. */
export const NO_BROWSER = !existsSync(CHROMIUM) && `${CHROMIUM} is missing (.ci/run installs Debian's chromium)`;

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.png': 'image/png' };

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, threads). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

function serve(root: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file)) return void response.writeHead(404).end();
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...(isolated ? ISOLATION : {}) };
    response.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

/**
 * Builds `pageDir` (with Vite unless told), opens it (with `query`; `isolated`: served with the COOP and COEP
 * headers that make it cross-origin isolated), runs `use(page, logged)` where `logged`
 * fills with the page's console.log lines, and closes the browser; page errors fail the run. Builds are shared (see built).
 */
export async function withPage(
  pageDir: string,
  use: (page: Page, logged: string[]) => Promise<void>,
  { query = '', bundler = 'vite', isolated = false }: { query?: string; bundler?: Bundler; isolated?: boolean } = {},
): Promise<void> {
  const { server, url } = await serve(await built(pageDir, bundler), isolated);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const errors: string[] = [];
  const logged: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'log' && logged.push(message.text()));
    await page.goto(url + query);
    await use(page, logged);
    if (errors.length > 0) throw new Error(`errors in the page: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
}

/** Page builds, one per folder and bundler for the whole test file (tests that open one page twice share it). */
const builds = new Map<string, Promise<string>>();
let buildRoot: string | undefined;
let buildCount = 0;

function built(pageDir: string, bundler: Bundler): Promise<string> {
  const key = `${bundler}:${pageDir}`;
  let out = builds.get(key);
  if (!out) {
    if (!buildRoot) {
      const root = (buildRoot = mkdtempSync(join(tmpdir(), 'wae-pages-')));
      process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    }
    const dir = join(buildRoot, `${bundler}-${buildCount++}`);
    out = buildPage(bundler, pageDir, dir).then(() => dir);
    // A failed build is not kept: the next test that needs it builds again and reports its own error.
    out.catch(() => builds.delete(key));
    builds.set(key, out);
  }
  return out;
}
