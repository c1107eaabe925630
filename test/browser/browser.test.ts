/**
 * Kindling in a real browser: the library bundled for the browser with esbuild, served on
 * localhost, run by headless Chromium (driven by playwright-core) on the browser's own WebGPU —
 * SwiftShader here and in CI, the same software Vulkan driver the Node tests use. The page runs a
 * matmul and three training steps of a small MLP on `webgpu` (test/browser/workload.ts); Node runs
 * the same workload on `js`, and the two must agree within float32 tolerance.
 *
 * Chromium comes from Debian's `chromium` package (`.ci/run` installs it); without it this test is
 * skipped loudly, and with KINDLING_REQUIRE_WEBGPU=1 (CI) that is a failure instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { workload, type WorkloadResult } from './workload.js';

const CHROMIUM = process.env.KINDLING_CHROMIUM ?? '/usr/bin/chromium';
const found = existsSync(CHROMIUM);
if (!found) {
  const why = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set KINDLING_CHROMIUM)`;
  if (process.env.KINDLING_REQUIRE_WEBGPU) throw new Error(`KINDLING_REQUIRE_WEBGPU is set, but the browser test cannot run: ${why}`);
  console.warn(`\n!!!!!!!!!!\n!! SKIPPING the browser WebGPU test: ${why}\n!!!!!!!!!!\n`);
}

/**
 * Flags: WebGPU on SwiftShader, and a closed network (no background fetches, updates, sync or QUIC).
 * `--no-sandbox` because CI runs as root, where Chromium's sandbox refuses to start.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Bundles the page (and with it src/index.ts) for the browser. Node-only imports stay out. */
async function bundle(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    // the wasm loader's `node:` imports and Dawn's package are dynamic imports behind Node checks
    external: ['node:*', 'webgpu'],
  });
  return result.outputFiles[0].text;
}

/** Serves the page and its script on a free localhost port (a secure context, as WebGPU needs). */
async function serve(script: string): Promise<{ server: Server; url: string }> {
  const html = '<!doctype html><meta charset="utf-8"><title>kindling</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://localhost:${address.port}/` };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

/** |a − e| ≤ atol + rtol·|e| for every element, or the first that is not. */
function firstDifference(actual: number[], expected: number[], rtol: number, atol: number): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  const i = actual.findIndex((a, k) => !(Math.abs(a - expected[k]) <= atol + rtol * Math.abs(expected[k])));
  return i < 0 ? undefined : `[${i}] ${actual[i]} != ${expected[i]}`;
}

describe.skipIf(!found)('Kindling in headless Chromium', () => {
  it('runs a matmul and a training step on the browser’s WebGPU, equal to js in Node', async () => {
    const [script, expected] = await Promise.all([bundle(), workload(torch, 'js')]);
    const { server, url } = await serve(script);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const profile = mkdtempSync(join(tmpdir(), 'kindling-chromium-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));

    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    await page.goto(url);
    const hasWebGpu = await page.evaluate(() => 'gpu' in navigator);
    expect(hasWebGpu, 'navigator.gpu should exist (--enable-unsafe-webgpu)').toBe(true);
    await page.waitForFunction(() => 'kindlingResult' in window, undefined, { timeout: 30_000 });
    const outcome = (await page.evaluate(() => (window as unknown as { kindlingResult: Promise<unknown> }).kindlingResult)) as
      | { ok: true; result: WorkloadResult }
      | { ok: false; error: string };
    if (!outcome.ok) throw new Error(`the page failed: ${outcome.error}\nconsole:\n${log.join('\n')}`);
    const got = outcome.result;
    expect(got.device).toBe('webgpu');
    expect(firstDifference(got.matmul, expected.matmul, 1e-5, 1e-5), 'matmul').toBeUndefined();
    expect(firstDifference(got.losses, expected.losses, 1e-5, 1e-6), 'losses').toBeUndefined();
    expect(firstDifference(got.w2, expected.w2, 1e-4, 1e-5), 'weights after 3 steps').toBeUndefined();
    expect(expected.losses[2]).toBeLessThan(expected.losses[0]);
  }, 180_000);
});
