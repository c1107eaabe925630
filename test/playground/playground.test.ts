/**
 * The playground end to end: `npm run build:web`'s output, served as `npm run serve` serves it
 * (COOP/COEP headers), opened in headless Chromium (Debian's `chromium`, driven by
 * playwright-core, WebGPU on SwiftShader). On each device it runs lesson 1 and checks what it
 * printed, trains the demo network for one short epoch and checks that the test loss fell and an
 * accuracy is shown, and saves a screenshot to test/playground/artifacts/.
 *
 * Without Chromium the test is skipped loudly (a failure with KINDLING_REQUIRE_WEBGPU=1, as in
 * CI); without a WebGPU adapter in the browser, the webgpu case is skipped loudly likewise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../web/serve.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test', 'playground', 'artifacts');
const CHROMIUM = process.env.KINDLING_CHROMIUM ?? '/usr/bin/chromium';
const found = existsSync(CHROMIUM);

function loudly(why: string): void {
  if (process.env.KINDLING_REQUIRE_WEBGPU) throw new Error(`KINDLING_REQUIRE_WEBGPU is set, but ${why}`);
  console.warn(`\n!!!!!!!!!!\n!! SKIPPING: ${why}\n!!!!!!!!!!\n`);
}
if (!found) loudly(`the playground test cannot run: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set KINDLING_CHROMIUM)`);

/** WebGPU on SwiftShader, and a closed network; `--no-sandbox` because CI runs as root. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

type Device = 'js' | 'wasm' | 'webgpu';
interface State {
  lesson?: { id: string; device: Device; state: string; output: string };
  demo?: { device: Device; state: string; losses: number[]; epochs: { epoch: number; loss: number; accuracy: number }[]; error?: string };
}

let context: BrowserContext | undefined;
let url = '';
const cleanups: (() => unknown)[] = [];
const log: string[] = [];

beforeAll(async () => {
  if (!found) return;
  execFileSync(process.execPath, [join(ROOT, 'tools', 'build-web.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const served = await serve(join(ROOT, 'web', 'dist'), 0);
  url = served.url;
  cleanups.push(() => new Promise((done) => served.server.close(done)));
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'kindling-playground-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const { chromium } = await import('playwright-core');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  cleanups.push(() => context?.close());
}, 60_000);

afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

async function open(device: Device, lesson: string): Promise<Page> {
  const page = await context!.newPage();
  page.on('console', (m) => log.push(`[${device}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[${device}] pageerror: ${e.message}`));
  await page.goto(`${url}?device=${device}#${lesson}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { kindlingPlayground: State }).kindlingPlayground);
const fail = (what: string) => new Error(`${what}\nbrowser console:\n${log.slice(-30).join('\n')}`);

describe.skipIf(!found)('the playground in headless Chromium', () => {
  for (const device of ['js', 'wasm', 'webgpu'] as const) {
    it(`runs lesson 1 and trains the demo network on ${device}`, async (test) => {
      const page = await open(device, '01-tensors');
      if (device === 'webgpu') {
        const adapter = await page.evaluate(async () => {
          const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
          return gpu ? (await gpu.requestAdapter()) !== null : false;
        });
        if (!adapter) {
          loudly('the playground test found no WebGPU adapter in Chromium: the webgpu case did not run');
          test.skip();
        }
      }
      if (device === 'wasm') {
        // COOP/COEP make the page cross-origin isolated, so the wasm device gets its worker threads
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
        await page.waitForSelector('#device-status[data-state="ready"]', { timeout: 20_000 });
        expect(await page.textContent('#device-status')).toMatch(/^wasm: WebAssembly SIMD, \d+ threads?$/);
      }

      // lesson 1
      await page.click('#run');
      await page.waitForSelector('#run-status:is([data-state="done"], [data-state="error"])', { timeout: 30_000 });
      const lesson = (await state(page)).lesson!;
      if (lesson.state !== 'done') throw fail(`lesson 1 failed on ${device}:\n${lesson.output}`);
      const lines = lesson.output.split('\n');
      expect(lines).toContain(`Best device here: ${device}`);
      expect(lines).toContain('First row:  tensor([1., 1., 1., 1.])');
      expect(lines).toContain('Shape of tensor: [ 3, 4 ]');
      expect(lines).toContain('n: Float32Array(5) [ 2, 2, 2, 2, 2 ]');
      expect(lines).toContain('t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)');
      expect(await page.textContent('#output')).toContain('y1, y2, y3 equal: true');

      // the demo: one short epoch (SwiftShader is slow: fewer images on webgpu)
      await page.fill('#demo-samples', device === 'webgpu' ? '256' : '512');
      await page.fill('#demo-test-samples', '100');
      await page.fill('#demo-epoch-count', '1');
      await page.click('#demo-train');
      await page.waitForSelector('#demo-status:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
      const demo = (await state(page)).demo!;
      if (demo.state !== 'done') throw fail(`the demo failed on ${device}: ${demo.error}`);
      expect(demo.device).toBe(device);
      expect(demo.losses.length).toBe(device === 'webgpu' ? 4 : 8);
      expect(demo.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      const [before, after] = demo.epochs;
      expect(after.loss, 'the test loss falls in one epoch').toBeLessThan(before.loss);
      expect(demo.losses.at(-1)!).toBeLessThan(demo.losses[0]);
      expect(after.accuracy).toBeGreaterThan(0.2); // chance is 0.1
      expect(await page.textContent('#demo-status')).toMatch(/test accuracy \d+\.\d%/);
      expect(await page.locator('#demo-epochs tr').count()).toBe(2);

      await page.screenshot({ path: join(ARTIFACTS, `playground-${device}.png`), fullPage: true });
      await page.close();
    }, 90_000);
  }

  it('runs lesson 5 with the shims, showing the graph file it wrote', async () => {
    const page = await open('js', '05-autograd');
    await page.click('#run');
    await page.waitForSelector('#run-status:is([data-state="done"], [data-state="error"])', { timeout: 30_000 });
    const lesson = (await state(page)).lesson!;
    if (lesson.state !== 'done') throw fail(`lesson 5 failed:\n${lesson.output}`);
    expect(lesson.output).toContain('Gradient function for z = <AddBackward0>');
    expect(lesson.output).toContain('Wrote the graph to runs/autograd-graph.dot');
    expect(await page.textContent('#files')).toContain('digraph');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-lesson5.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
