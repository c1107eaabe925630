#!/usr/bin/env node
/**
 * Builds the playground (web/) into web/dist/, a static site `npm run serve` serves:
 *
 *   index.html, style.css         the page (copied from web/)
 *   assets/app.js, assets/*.js    the app and the runnable lessons, bundled by esbuild as ES modules
 *                                 that share one copy of the library (code splitting)
 *   build/*.wasm                  the wasm kernels, where the library's loader looks for them
 *                                 (`new URL('../../../build/…', import.meta.url)` from assets/)
 *   lessons.json                  every lesson's source text, title and whether it runs here
 *   fashion-mnist-subset.bin      2,000 training and 500 test images for the training demo
 *
 * A lesson is a Node script that imports '../src/index.js'. Bundled for the page, that import is
 * web/src/lesson-torch.ts instead (the library, with `bestDevice()` answering the device the
 * reader picked), and its few `node:` imports are small browser shims (web/src/shims/): files it
 * writes are shown on the page, `process.cwd()` is '/', and there is no Graphviz.
 *
 * Options: `--train N` and `--test N` (the subset's size; default 2000 and 500).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const out = join(web, 'dist');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * The lessons that run in the page, and for the others, why not. A lesson runs when its only Node
 * APIs are ones the shims cover; the others read FashionMNIST from disk, write model files or
 * start worker threads, and are shown to read, with the command that runs them.
 */
const RUNNABLE = new Set(['01-tensors', '04-build-model', '05-autograd']);
const NOTES = {
  '02-datasets': 'This lesson reads the 70,000 FashionMNIST images from disk, writes PNG files and starts worker threads, which a browser page cannot do.',
  '03-transforms': 'This lesson reads FashionMNIST from disk (all 60,000 training images), which a browser page cannot do.',
  '06-optimization': 'This lesson trains on all 60,000 FashionMNIST images read from disk, which takes minutes. The live demo below trains the same network, the same way, on a subset in your browser.',
  '07-save-load': 'This lesson saves and loads model files on disk, which a browser page cannot do.',
  quickstart: 'The Quickstart is a command-line program (options, a progress bar, files written to disk).',
};

/** Lesson 1's title from its first doc-comment line, e.g. "Lesson 1: Tensors." → "Tensors". */
function titleOf(id, source) {
  const first = /\/\*\*\s*\n\s*\*\s*(.+)/.exec(source)?.[1] ?? id;
  // "Lesson 1: Tensors." → "Tensors"; "Quickstart: PyTorch's … page as a program." → "Quickstart"
  return first.replace(/^Lesson \d+:\s*/, '').replace(/:.*$/, '').replace(/\.$/, '');
}

/** Makes sure data/FashionMNIST/raw/ exists (the `fashion-mnist` dev dependency provides it). */
function ensureFashionMnist() {
  const raw = join(root, 'data', 'FashionMNIST', 'raw');
  if (existsSync(join(raw, 'train-images-idx3-ubyte')) || existsSync(join(raw, 'train-images-idx3-ubyte.gz'))) return raw;
  console.log('build-web: materialising data/FashionMNIST/raw …');
  const code = "import * as torch from './src/index.js'; for (const train of [true, false]) new torch.data.datasets.FashionMNIST({ root: 'data', train, download: true });";
  const run = spawnSync('npx', ['tsx', '--eval', code], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('build-web: could not materialise FashionMNIST');
  return raw;
}

/** An IDX file's bytes (gunzipped if it is stored as .gz) and its dimensions. */
async function readIdx(path) {
  let bytes = existsSync(path) ? readFileSync(path) : (await import('node:zlib')).gunzipSync(readFileSync(`${path}.gz`));
  const ndim = bytes[3];
  const dims = Array.from({ length: ndim }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * ndim) };
}

/**
 * The demo's data: `n` images and labels spread evenly over each set (the files are ordered by
 * class, so every class is there in equal measure). Layout, little-endian: "KFMS", then uint32
 * train count, test count, rows, cols; then train images (uint8, count×rows×cols), train labels
 * (uint8), test images, test labels.
 */
async function writeSubset(nTrain, nTest) {
  const raw = ensureFashionMnist();
  const parts = [];
  const counts = [];
  let rows = 28, cols = 28;
  for (const [prefix, n] of [['train', nTrain], ['t10k', nTest]]) {
    const images = await readIdx(join(raw, `${prefix}-images-idx3-ubyte`));
    const labels = await readIdx(join(raw, `${prefix}-labels-idx1-ubyte`));
    const total = images.dims[0];
    [rows, cols] = [images.dims[1], images.dims[2]];
    const size = rows * cols;
    const count = Math.min(n, total);
    const x = new Uint8Array(count * size);
    const y = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const k = Math.floor((i * total) / count);
      x.set(images.data.subarray(k * size, (k + 1) * size), i * size);
      y[i] = labels.data[k];
    }
    counts.push(count);
    parts.push(x, y);
  }
  const header = Buffer.alloc(20);
  header.write('KFMS', 0, 'latin1');
  [counts[0], counts[1], rows, cols].forEach((v, i) => header.writeUInt32LE(v, 4 + 4 * i));
  writeFileSync(join(out, 'fashion-mnist-subset.bin'), Buffer.concat([header, ...parts]));
  return counts;
}

/**
 * esbuild plugin: inside lessons/, '../src/index.js' becomes the playground's torch module and
 * `node:` imports become the browser shims, and each lesson gets the shim `process` in scope.
 * The library's own `node:` imports are dynamic ones behind "is this Node?" checks: they stay
 * external and never run.
 */
const lessonsDir = join(root, 'lessons') + sep;
const shims = join(web, 'src', 'shims');
const lessonPlugin = {
  name: 'kindling-lessons',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/src\/index\.js$/ }, (args) =>
      args.importer.startsWith(lessonsDir) ? { path: join(web, 'src', 'lesson-torch.ts') } : undefined,
    );
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (!args.importer.startsWith(lessonsDir)) return { path: args.path, external: true };
      const shim = join(shims, `${args.path.slice('node:'.length).replace(/\//g, '-')}.ts`);
      if (!existsSync(shim)) throw new Error(`${relative(root, args.importer)} imports ${args.path}, which has no browser shim in web/src/shims/`);
      return { path: shim };
    });
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(lessonsDir)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const shim = JSON.stringify(join(shims, 'process.ts'));
      // one line, so the lesson keeps its line numbers in stack traces (after this first one)
      return { contents: `import { process } from ${shim}; ${source}`, loader: 'ts' };
    });
  },
};

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'build'), { recursive: true });

// the wasm kernels, built if missing or stale
const wasm = spawnSync(process.execPath, [join(root, 'tools', 'build-wasm.mjs')], { stdio: 'inherit' });
if (wasm.status !== 0) throw new Error('build-web: building the wasm kernels failed');
for (const file of ['kindling.wasm', 'kindling-threads.wasm', 'kindling-relaxed.wasm', 'kindling-threads-relaxed.wasm']) copyFileSync(join(root, 'build', file), join(out, 'build', file));

// the lessons: source text for every one, a bundle for the runnable ones
const lessons = readdirSync(join(root, 'lessons'))
  .filter((f) => f.endsWith('.ts'))
  .sort((a, b) => (a === 'quickstart.ts' ? -1 : b === 'quickstart.ts' ? 1 : a.localeCompare(b)))
  .map((file) => {
    const id = file.replace(/\.ts$/, '');
    const source = readFileSync(join(root, 'lessons', file), 'utf8');
    const runnable = RUNNABLE.has(id);
    return {
      id,
      file: `lessons/${file}`,
      title: titleOf(id, source),
      number: /^\d+/.exec(id)?.[0] ?? null,
      runnable,
      module: runnable ? `./assets/lesson-${id}.js` : null,
      note: runnable ? null : (NOTES[id] ?? 'This lesson needs Node.js.'),
      source,
    };
  });
writeFileSync(join(out, 'lessons.json'), JSON.stringify(lessons));

const result = await build({
  entryPoints: [
    { in: join(web, 'src', 'app.ts'), out: 'app' },
    ...lessons.filter((l) => l.runnable).map((l) => ({ in: join(root, l.file), out: `lesson-${l.id}` })),
  ],
  outdir: join(out, 'assets'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
  external: ['webgpu'], // Dawn for Node: behind a Node check in the webgpu backend
  plugins: [lessonPlugin],
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(web, file), join(out, file));

const [nTrain, nTest] = await writeSubset(option('train', 2000), option('test', 500));
const kib = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0) / 1024;
console.log(
  `build-web: web/dist/ in ${Date.now() - started} ms: ${lessons.filter((l) => l.runnable).length} of ${lessons.length} lessons runnable, ` +
    `${kib.toFixed(0)} KiB of scripts, FashionMNIST subset of ${nTrain} + ${nTest} images`,
);
