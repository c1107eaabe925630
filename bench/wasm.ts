/**
 * `npm run bench`: the wasm backend against the js reference and its peers, in one run on one
 * machine, printed side by side with ratios.
 *
 *   1. float32 matmul GFLOP/s, n = 64 … 1024: js, wasm (1 thread, all threads), and
 *      @tensorflow/tfjs-backend-wasm (SIMD; its threads where it has them), plain and with a
 *      transposed right operand (a @ bᵀ, what nn.Linear computes);
 *   2. elementwise add of 2²⁰ float32s, in GB/s (two reads and one write of 4 bytes per element);
 *   3. the tutorial MLP's training step (784-512-512-10, ReLU, cross-entropy, SGD lr 1e-3,
 *      batch 64) in samples/s: js, wasm, tfjs-wasm (`tf.variableGrads` + SGD) and PyTorch (run as
 *      a subprocess, bench/mlp-pytorch.py, when `import torch` works) pinned to 1 thread, and as
 *      it runs by default (its BLAS on every core);
 *   4. the wasm heap's high-water mark over 2,000 training steps, which must stop growing;
 *   5. tables 1 and 3 (wasm columns) again on the other build of the kernels: the relaxed-SIMD
 *      build (fused multiply-adds in matmul) where this Node lacks relaxed SIMD (Node 20 has it
 *      behind a flag), the plain one where it has it, run in a child process
 *      `node --[no-]experimental-wasm-relaxed-simd`, which picks that build at load time.
 *
 * Each figure is the best of several timed batches after a warm-up (the machine is shared; the
 * best run is the one least disturbed). The MLP step uses raw Tensor ops (matmul, add, relu,
 * logSoftmax + gather, manual SGD under noGrad), so it depends on nothing in src/nn or src/optim.
 *
 * Options: --quick (fewer sizes and steps, for a smoke test), --steps N (heap steps, default 2000),
 * --json FILE (also write the tables to FILE, for the docs: see report.ts). The child of part 5
 * gets --other-build and PyTorch's figures (--pytorch SAMPLES_PER_S_1T,SAMPLES_PER_S_ALL) and runs
 * only its part.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { disposeStorage, getNumThreads, setNumThreads, wasmInfo } from '../src/backend/wasm/index.js';
import { printTable, Report, type BenchReport, type BenchTable } from './report.js';

const quick = process.argv.includes('--quick');
const stepsArg = process.argv.indexOf('--steps');
const heapSteps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : quick ? 300 : 2000;
/** Part 5's child process: tables 1 and 3 only, on the build the parent did not load. */
const otherBuild = process.argv.includes('--other-build');
const pytorchArg = process.argv.indexOf('--pytorch');

// ---- timing -------------------------------------------------------------------------------------

/** Seconds per call of `fn`: best of `samples` batches of about `batchMs` each, after a warm-up. */
function secondsPer(fn: () => void, { batchMs = 150, samples = 5, warmupMs = 200 } = {}): number {
  const warmEnd = performance.now() + warmupMs;
  let calls = 0;
  do {
    fn();
    calls++;
  } while (performance.now() < warmEnd || calls < 2);
  const once = warmupMs / calls;
  const perBatch = Math.max(1, Math.round(batchMs / Math.max(once, 1e-3)));
  let best = Infinity;
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) fn();
    best = Math.min(best, (performance.now() - start) / perBatch);
  }
  return best / 1000;
}

const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');

const report = new Report('wasm');

function table(title: string, header: string[], rows: string[][], plot?: BenchTable['plot']): void {
  console.log(title);
  report.table({ title, header, rows, plot });
  printTable(header, rows);
}

/** The tutorial's batch size and learning rate. */
const BATCH = 64;
const LR = 1e-3;

// ---- setup --------------------------------------------------------------------------------------

await torch.init('wasm');
const allThreads = getNumThreads();
tfwasm.setThreadsCount(allThreads);
await tf.setBackend('wasm');
await tf.ready();
registerTfGradients();
const tfSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
const tfThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
const info = wasmInfo();
/** Which build of the kernels the loader picked, and why. */
const build = `build/${info.build} (relaxed SIMD ${info.relaxedSimd ? 'yes: matmul uses fused multiply-adds' : 'no'})`;
report.note(`Kindling wasm bench — Node ${process.version}${otherBuild ? ` ${process.execArgv.filter((a) => a.includes('wasm')).join(' ')}` : ''}, ${allThreads} cores`);
report.note(`wasm: ${build}, SIMD ${info.simd}, threads ${info.threads ? `yes (${allThreads})` : `no: ${info.threadsMissing}`}, reclaim ${info.heap.reclaim}`);
report.note(
  `tfjs-wasm ${tf.version_core}: SIMD ${tfSimd}, threads ${tfThreads ? 'yes' : 'no (WASM_HAS_MULTITHREAD_SUPPORT is false in Node: its "all threads" column is 1 thread)'}`,
);
console.log();

// ---- the heap over a long training run: measured first, on a fresh heap, printed last ---------------

const heapRows: string[][] = [];
const heapReport: string[] = [];
if (!otherBuild) {
  const { step } = kindlingMlp('wasm');
  const marks = [1, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000].filter((s) => s <= heapSteps);
  if (!marks.includes(heapSteps)) marks.push(heapSteps);
  const MiB = (b: number) => (b / 2 ** 20).toFixed(1);
  const start = performance.now();
  let loss = 0;
  for (let s = 1; s <= heapSteps; s++) {
    loss = step();
    if (marks.includes(s)) {
      const h = wasmInfo().heap;
      heapRows.push([String(s), MiB(h.highWaterBytes), MiB(h.memoryBytes), MiB(h.liveBytes), String(h.collections), fmt(loss, 4)]);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  heapReport.push(
    `4. wasm heap over ${heapSteps} MLP training steps, run first on a fresh heap (a synchronous loop, nothing freed by hand; ` +
      `${fmt((heapSteps * BATCH) / seconds, 0)} samples/s overall, collections included)`,
  );
}

// ---- 1. matmul ----------------------------------------------------------------------------------

const sizes = quick ? [64, 256, 1024] : [64, 128, 256, 512, 1024];
const gflops = (n: number, seconds: number) => (2 * n ** 3) / seconds / 1e9;

interface MatmulRow {
  n: number;
  js?: number;
  wasm1: number;
  wasmAll: number;
  tf: number;
  wasm1T: number;
  wasmAllT: number;
  tfT: number;
}
const matmulRows: MatmulRow[] = [];
for (const n of sizes) {
  const aJs = torch.randn([n, n]);
  const bJs = torch.randn([n, n]);
  const a = aJs.to('wasm');
  const b = bJs.to('wasm');
  const bT = b.t(); // a transposed view: (bᵀ)ᵀ-shaped operand with strides [1, n]
  // js: the reference is slow; one short sample for big n
  const jsSeconds = n <= 256 ? secondsPer(() => aJs.matmul(bJs), { samples: 2, warmupMs: 50 }) : n <= 512 ? secondsPer(() => aJs.matmul(bJs), { samples: 1, batchMs: 1, warmupMs: 1 }) : undefined;
  await setNumThreads(1);
  const wasm1 = gflops(n, secondsPer(() => a.matmul(b)));
  const wasm1T = gflops(n, secondsPer(() => a.matmul(bT)));
  await setNumThreads(allThreads);
  const wasmAll = gflops(n, secondsPer(() => a.matmul(b)));
  const wasmAllT = gflops(n, secondsPer(() => a.matmul(bT)));
  const ta = tf.randomNormal([n, n]);
  const tb = tf.randomNormal([n, n]);
  const tfRun = (transposeB: boolean) => () => tf.matMul(ta, tb, false, transposeB).dispose();
  const tfG = gflops(n, secondsPer(tfRun(false)));
  const tfGT = gflops(n, secondsPer(tfRun(true), { samples: 2 }));
  ta.dispose();
  tb.dispose();
  matmulRows.push({ n, js: jsSeconds && gflops(n, jsSeconds), wasm1, wasmAll, tf: tfG, wasm1T, wasmAllT, tfT: tfGT });
}
table(
  `${otherBuild ? '5a' : '1'}. float32 matmul, GFLOP/s (c = a @ b, n x n; "ᵀ": c = a @ bᵀ with bᵀ a transposed view), wasm: build/${info.build}`,
  ['n', 'js', 'wasm 1t', `wasm ${allThreads}t`, 'tfjs-wasm', 'wasm 1t / tfjs', `wasm ${allThreads}t / 1t`, 'wasm 1t ᵀ', `wasm ${allThreads}t ᵀ`, 'tfjs ᵀ', 'wasm ᵀ / plain', 'wasm 1t / js'],
  matmulRows.map((r) => [
    String(r.n), fmt(r.js, 2), fmt(r.wasm1), fmt(r.wasmAll), fmt(r.tf), ratio(r.wasm1, r.tf), ratio(r.wasmAll, r.wasm1),
    fmt(r.wasm1T), fmt(r.wasmAllT), fmt(r.tfT), ratio(r.wasm1T, r.wasm1), ratio(r.wasm1, r.js),
  ]),
  { unit: 'GFLOP/s', columns: ['js', 'wasm 1t', `wasm ${allThreads}t`, 'tfjs-wasm'] },
);

// ---- 2. add -------------------------------------------------------------------------------------

if (!otherBuild) {
  const n = 1 << 20;
  const gbps = (seconds: number) => (12 * n) / seconds / 1e9;
  const xJs = torch.randn([n]);
  const yJs = torch.randn([n]);
  const x = xJs.to('wasm');
  const y = yJs.to('wasm');
  const js = gbps(secondsPer(() => xJs.add(yJs), { samples: 3 }));
  const tx = tf.randomNormal([n]);
  const ty = tf.randomNormal([n]);
  // the three are a few percent apart, less than this machine's drift over a second, so they take
  // turns over several rounds and each keeps its best
  let [wasm, wasmDisposed, tfG] = [0, 0, 0];
  for (let round = 0; round < 4; round++) {
    // as users write it: results become garbage and the heap reclaims them (a collection every few
    // hundred MiB, and each result lands in memory that has gone cold in the cache)
    wasm = Math.max(wasm, gbps(secondsPer(() => x.add(y), { samples: 2 })));
    // freeing each result at once, as tfjs code must (tensor.dispose()): the same block comes back warm
    wasmDisposed = Math.max(wasmDisposed, gbps(secondsPer(() => disposeStorage(x.add(y)._storage.handle), { samples: 2 })));
    tfG = Math.max(tfG, gbps(secondsPer(() => tf.add(tx, ty).dispose(), { samples: 2 })));
  }
  tx.dispose();
  ty.dispose();
  table(
    '2. add of 2^20 float32s, GB/s (12 bytes moved per element; one thread: elementwise kernels do not use workers)',
    ['js', 'wasm (reclaimed)', 'wasm (disposed)', 'tfjs-wasm (disposed)', 'wasm reclaimed / tfjs', 'wasm disposed / tfjs', 'wasm / js'],
    [[fmt(js, 2), fmt(wasm), fmt(wasmDisposed), fmt(tfG), ratio(wasm, tfG), ratio(wasmDisposed, tfG), ratio(wasm, js)]],
    { unit: 'GB/s', columns: ['js', 'wasm (reclaimed)', 'wasm (disposed)', 'tfjs-wasm (disposed)'] },
  );
}

// ---- 3. the MLP training step --------------------------------------------------------------------


/** A Kindling MLP on `device` and one SGD step on a fixed batch; returns the step function. */
function kindlingMlp(device: 'js' | 'wasm'): { step: () => number } {
  torch.manualSeed(0);
  const param = (fanIn: number, shape: number[]) =>
    torch.rand(shape).mul(2).sub(1).mul(1 / Math.sqrt(fanIn)).to(device).requiresGrad_();
  const params = [param(784, [512, 784]), param(784, [512]), param(512, [512, 512]), param(512, [512]), param(512, [10, 512]), param(512, [10])];
  const X = torch.rand([BATCH, 784]).to(device);
  const y = torch.randint(0, 10, [BATCH, 1]).to(device);
  const step = () => {
    const [w1, b1, w2, b2, w3, b3] = params;
    const h1 = X.matmul(w1.t()).add(b1).relu();
    const h2 = h1.matmul(w2.t()).add(b2).relu();
    const logits = h2.matmul(w3.t()).add(b3);
    const loss: Tensor = logits.logSoftmax(1).gather(1, y).mean().neg(); // cross-entropy
    loss.backward();
    torch.noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!, { alpha: LR }); // one pass, as optim.SGD and PyTorch's SGD (add_ with alpha -lr)
        p.grad = null;
      }
    });
    return loss.item();
  };
  return { step };
}

/**
 * tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs union package does, and
 * its ESM files do not load in Node), so the few the MLP needs are registered here, written as
 * tfjs's own gradient files write them.
 */
function registerTfGradients(): void {
  const reduceTo = (dy: tf.Tensor, shape: number[]): tf.Tensor => {
    if (dy.shape.length === shape.length && dy.shape.every((s, i) => s === shape[i])) return dy;
    const lead = dy.shape.length - shape.length;
    const axes = dy.shape.map((s, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1));
    return tf.reshape(tf.sum(dy, axes), shape);
  };
  const configs: tf.GradConfig[] = [
    {
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => ({ a: () => tf.matMul(dy as tf.Tensor, b, false, true), b: () => tf.matMul(a, dy as tf.Tensor, true, false) }),
    },
    {
      kernelName: 'Add',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => ({ a: () => reduceTo(dy as tf.Tensor, a.shape), b: () => reduceTo(dy as tf.Tensor, b.shape) }),
    },
    {
      kernelName: 'Multiply',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => ({
        a: () => reduceTo(tf.mul(dy as tf.Tensor, b), a.shape),
        b: () => reduceTo(tf.mul(dy as tf.Tensor, a), b.shape),
      }),
    },
    { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(x)) }) },
    {
      // d logsoftmax: dx = dy - softmax · Σ dy
      kernelName: 'LogSoftmax',
      outputsToSave: [true],
      gradFunc: (dy, [y], attrs) => {
        const axis = (attrs as { axis: number }).axis;
        return { logits: () => tf.sub(dy as tf.Tensor, tf.mul(tf.exp(y), tf.sum(dy as tf.Tensor, axis, true))) };
      },
    },
    { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => dy as tf.Tensor }) },
    { kernelName: 'Sum', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(tf.onesLike(x), dy as tf.Tensor) }) },
  ];
  for (const config of configs) tf.registerGradient(config);
}

/** The same MLP in tfjs: tf.variableGrads for the gradients, then SGD by hand. */
function tfjsMlp(): { step: () => void } {
  const init = (fanIn: number, shape: number[]) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const w1 = init(784, [784, 512]), b1 = init(784, [512]);
  const w2 = init(512, [512, 512]), b2 = init(512, [512]);
  const w3 = init(512, [512, 10]), b3 = init(512, [10]);
  const X = tf.randomUniform([BATCH, 784]);
  const labels = tf.cast(tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10), 'float32');
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const h1 = tf.relu(tf.add(tf.matMul(X, w1), b1));
        const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
        const logits = tf.add(tf.matMul(h2, w3), b3);
        return tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits), labels)), -1 / BATCH) as tf.Scalar; // cross-entropy
      });
      for (const [name, g] of Object.entries(grads)) {
        const v = [w1, b1, w2, b2, w3, b3].find((p) => p.name === name)!;
        v.assign(tf.sub(v, tf.mul(g, LR)));
      }
    });
  return { step };
}

/**
 * PyTorch's samples/s from bench/mlp-pytorch.py with the first python3 that imports torch: on
 * `threads` threads (its OpenMP threads and its BLAS's both pinned), or with 0, as PyTorch runs by
 * default. Table 3 compares wasm on 1 thread with PyTorch pinned to 1, and wasm on all threads
 * with PyTorch's default, which on this kind of machine is its fastest use of all the cores (1
 * OpenMP thread, OpenBLAS on every core; asking it for 2 OpenMP threads as well made it slower).
 */
function pytorchMlp(threads: number): { samplesPerS: number; version: string } | string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    const out = execFileSync(python, ['bench/mlp-pytorch.py', '--steps', quick ? '100' : '300', '--threads', String(threads)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { samples_per_s: number; torch: string };
    return { samplesPerS: r.samples_per_s, version: r.torch };
  }
  return 'no python3 with torch found';
}

/** PyTorch's samples/s in table 3 on 1 and on all threads, which part 5 compares its own build with. */
let pytorchSamples: [number, number] | undefined;
{
  const samples = (seconds: number) => BATCH / seconds;
  const js = otherBuild ? undefined : samples(secondsPer(kindlingMlp('js').step, { samples: 1, batchMs: 1, warmupMs: 1 }));
  const wasmStep = kindlingMlp('wasm').step;
  await setNumThreads(1);
  const wasm1 = samples(secondsPer(wasmStep, { batchMs: 300, warmupMs: 500 }));
  await setNumThreads(allThreads);
  const wasmAll = samples(secondsPer(wasmStep, { batchMs: 300, warmupMs: 500 }));
  const mlpTitle = `MLP training step (784-512-512-10, ReLU, cross-entropy, SGD lr 1e-3, batch ${BATCH}), samples/s`;
  const pt1 = `PyTorch 1t`;
  const ptAll = 'PyTorch default';
  const vsPyTorch = [`wasm 1t / ${pt1}`, `wasm ${allThreads}t / ${ptAll}`];
  if (otherBuild) {
    const [p1, pAll] = pytorchArg > 0 ? process.argv[pytorchArg + 1].split(',').map(Number) : [];
    table(
      `5b. ${mlpTitle}, wasm: build/${info.build}; PyTorch: table 3's figures, from the same bench run`,
      ['wasm 1t', `wasm ${allThreads}t`, pt1, ptAll, ...vsPyTorch],
      [[fmt(wasm1, 0), fmt(wasmAll, 0), fmt(p1, 0), fmt(pAll, 0), ratio(wasm1, p1), ratio(wasmAll, pAll)]],
      { unit: 'samples/s', columns: ['wasm 1t', `wasm ${allThreads}t`, pt1, ptAll] },
    );
  } else {
    const tfStep = tfjsMlp().step;
    const tfS = samples(secondsPer(tfStep, { batchMs: 500, samples: 3, warmupMs: 300 }));
    const pt = [pytorchMlp(1), pytorchMlp(0)];
    const [p1, pAll] = pt.map((r) => (typeof r === 'string' ? undefined : r.samplesPerS));
    if (p1 !== undefined && pAll !== undefined) pytorchSamples = [p1, pAll];
    table(
      `3. ${mlpTitle}, wasm: build/${info.build}` + (typeof pt[0] === 'string' ? ` — PyTorch: ${pt[0]}` : ` — PyTorch ${pt[0].version}`),
      ['js', 'wasm 1t', `wasm ${allThreads}t`, 'tfjs-wasm', pt1, ptAll, ...vsPyTorch, `wasm ${allThreads}t / tfjs`, `wasm ${allThreads}t / js`],
      [[fmt(js, 0), fmt(wasm1, 0), fmt(wasmAll, 0), fmt(tfS, 0), fmt(p1, 0), fmt(pAll, 0), ratio(wasm1, p1), ratio(wasmAll, pAll), ratio(wasmAll, tfS), ratio(wasmAll, js)]],
      { unit: 'samples/s', columns: ['js', 'wasm 1t', `wasm ${allThreads}t`, 'tfjs-wasm', pt1, ptAll] },
    );
  }
}

// ---- 4. the heap over a long training run --------------------------------------------------------

if (!otherBuild) {
  table(heapReport.join('\n'), ['step', 'high-water MiB', 'memory MiB', 'live MiB', 'collections', 'loss'], heapRows, {
    unit: 'MiB',
    columns: ['high-water MiB', 'live MiB'],
  });
  runOtherBuild(pytorchSamples);
}

// ---- 5. the other build --------------------------------------------------------------------------

/**
 * Tables 1 and 3 again in a child Node whose V8 flag turns relaxed SIMD on (Node 20, where it is
 * behind the flag) or off (where it ships), so the loader picks the other build. It prints its
 * tables as it goes; they join this run's --json report.
 */
function runOtherBuild(pytorch: [number, number] | undefined): void {
  const flag = info.relaxedSimd ? '--no-experimental-wasm-relaxed-simd' : '--experimental-wasm-relaxed-simd';
  const dir = mkdtempSync(join(tmpdir(), 'kindling-bench-'));
  const file = join(dir, 'other-build.json');
  const args = [flag, '--import', 'tsx', 'bench/wasm.ts', '--other-build', '--json', file];
  if (quick) args.push('--quick');
  if (pytorch) args.push('--pytorch', pytorch.join(','));
  console.log(`5. the other build of the kernels, in a child process: node ${flag} --import tsx bench/wasm.ts --other-build …\n`);
  try {
    // stderr only carries report.ts's "wrote FILE", unless the child fails
    execFileSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    for (const t of (JSON.parse(readFileSync(file, 'utf8')) as BenchReport).tables) report.table(t);
  } catch (error) {
    report.note(`5. the other build did not run: ${(error as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

report.save();
