// A real browser: the page in test/browser/determinism is built with Vite, served on 127.0.0.1 and opened in
// Debian's Chromium; the weights it trains with a fixed seed must equal, bit for bit, those trained in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { trainReference } from '../browser/determinism/train.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves a folder on 127.0.0.1 (a free port); resolves with the server and its address. */
function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${port}/` });
  }));
}

test('Chromium trains the same weights as Node, bit for bit', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is missing (.ci/run installs Debian's chromium)`, timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'wae-browser-'));
  await build({ root: 'test/browser/determinism', base: './', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022' } });
  const { server, url } = await serve(out);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { weightsHex?: string }).weightsHex !== undefined, undefined, { timeout: 60_000 });
    const inBrowser = await page.evaluate(() => (window as unknown as { weightsHex: string }).weightsHex);
    assert.deepEqual(errors, []);
    assert.equal(inBrowser.length, (4 * 2 + 2 + 2 * 4 + 4) * 8);
    assert.equal(inBrowser, trainReference());
  } finally {
    await browser.close();
    server.close();
    rmSync(out, { recursive: true });
  }
});
