#!/usr/bin/env node
/**
 * Builds the wasm kernels (assembly/ → build/*.wasm) with asc, the AssemblyScript compiler, but
 * only when an output is missing or older than its sources (assembly/**, asconfig.json), so the
 * npm hooks that call it (pretest, prestart, prebench, predocs) cost nothing once built.
 * `node tools/build-wasm.mjs --force` rebuilds regardless.
 *
 * Targets (asconfig.json): `release` → build/kindling.wasm (SIMD, private memory) and `threads`
 * → build/kindling-threads.wasm (SIMD, shared memory for worker threads), and each again with
 * relaxed SIMD (`release-relaxed`, `threads-relaxed` → build/kindling*-relaxed.wasm: the same
 * sources, whose matmul micro-kernels then use fused multiply-adds). The loader picks the relaxed
 * build where the engine validates it (src/backend/wasm/loader.ts). `debug` is built on request:
 * `npx asc --config asconfig.json --target debug`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = {
  release: 'build/kindling.wasm',
  threads: 'build/kindling-threads.wasm',
  'release-relaxed': 'build/kindling-relaxed.wasm',
  'threads-relaxed': 'build/kindling-threads-relaxed.wasm',
};

/** Newest modification time among the kernel sources. */
function sourcesTime() {
  let newest = statSync(join(root, 'asconfig.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'assembly'));
  return newest;
}

const force = process.argv.includes('--force');
const newest = sourcesTime();
for (const [target, out] of Object.entries(targets)) {
  const file = join(root, out);
  if (!force && existsSync(file) && statSync(file).mtimeMs >= newest) continue;
  const started = Date.now();
  const { error, stderr } = await asc.main(['--config', join(root, 'asconfig.json'), '--target', target], {
    stdout: process.stdout,
  });
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: asc failed for target ${target}: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: ${out} (${target}) built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
