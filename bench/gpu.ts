/**
 * `npm run bench:gpu`: the webgpu backend on this machine's GPU, and PyTorch CUDA on the same GPU
 * in the same run when `python3 -c "import torch"` finds one, printed side by side.
 *
 *   1. float32 matmul, n × n by n × n, in TFLOP/s (2n³ flops), n = 1024, 2048, 4096 and 4000 (not
 *      a multiple of any tile, so the kernels with edge checks run), through the tensor API; then
 *      each tiling of src/backend/webgpu/matmul.ts (and a few other shapes of tile) called
 *      directly, which is what `tileFor`'s choice between them rests on; and the arithmetic
 *      ceiling (a kernel of multiply-adds on registers alone: what any WGSL kernel can reach
 *      through this driver);
 *   2. the tutorial MLP's training step (784-512-512-10, ReLU, cross-entropy, SGD lr 1e-3) at
 *      batch 64 and 1024, in samples/s, written with raw Tensor ops (matmul, add, relu,
 *      logSoftmax + gather, manual SGD under noGrad) so it depends on nothing in src/nn;
 *   3. GPU memory over the training loop: live bytes (buffers of reachable tensors) and pooled
 *      bytes (buffers kept for reuse) after each round of steps — flat when the pool works.
 *
 * Timing: each figure is the best of several timed rounds after a warm-up; a round queues its
 * work and ends with `synchronize()` (the GPU has finished), so it measures GPU throughput with
 * the JavaScript that feeds it. Results are disposed as they go (matmul) or left to the garbage
 * collector (training: the loop yields to the event loop once per step, as a loop that awaits its
 * data or its loss does, which is when finalizers hand buffers back).
 *
 * Options: --small runs tiny sizes (n = 64, 128, 256; batches 16 and 64; few steps) so the whole
 * script can be tested on SwiftShader (about 0.2 GFLOP/s), where the figures mean nothing about a
 * GPU. --steps N sets the training steps per round. --matmul runs part 1 only, --mlp part 2 (and
 * 3) only, without the PyTorch peer (for a CPU profile of the training loop).
 *
 * On a GPU machine without Node or a network (shared/device/README.md):
 *   bash ../shared/device/prepare.sh bench/gpu.ts && … bash .device/remote.sh node .device/gpu.mjs
 */
import { execFileSync } from 'node:child_process';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { backendOf } from '../src/device.js';
import type { WebGpuBackend } from '../src/backend/webgpu/index.js';
import { matmul as matmulWith, tileBytes, tileFor, TILES, type Tile } from '../src/backend/webgpu/matmul.js';
import { printTable as table } from './report.js';

const small = process.argv.includes('--small');
const matmulOnly = process.argv.includes('--matmul');
const mlpOnly = process.argv.includes('--mlp');
const stepsArg = process.argv.indexOf('--steps');
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : small ? 6 : 50;
const EDGES = small ? 200 : 4000; // not a multiple of the tiles: the kernels with edge checks
const SIZES = small ? [64, 128, 256, EDGES] : [1024, 2048, 4096, EDGES];
const sizeName = (n: number) => `${n}${n === EDGES ? ' (edges)' : ''}`;
const BATCHES = matmulOnly ? [] : small ? [16, 64] : [64, 1024];
const LR = 1e-3;

// ---- printing -----------------------------------------------------------------------------------

const fmt = (x: number | undefined, digits = 2): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;


/** Lets the event loop run (finalizers hand buffers back), without waiting for the GPU. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---- setup --------------------------------------------------------------------------------------

await torch.init('webgpu');
const gpu = backendOf('webgpu') as WebGpuBackend;
const { info } = gpu;
console.log(`Kindling webgpu bench — Node ${process.version}${small ? ' — --small (SwiftShader-sized)' : ''}`);
console.log(`adapter: ${info.vendor} / ${info.architecture} / ${info.device} (${info.description})${info.fallbackAdapter ? ' — a SOFTWARE (fallback) adapter' : ''}`);
console.log(`features: ${info.features.join(', ') || 'none'}`);
console.log(`limits: ${Object.entries(info.limits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (info.fallbackAdapter) {
  console.log('note: no GPU here — these figures are a software rasterizer on the CPU, not GPU figures; run on a GPU machine for those.');
}
console.log();

// ---- PyTorch CUDA peer, as a subprocess --------------------------------------------------------------

const PYTORCH_PEER = `
import json, sys, time
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "no torch: " + str(e)})); sys.exit(0)
if not torch.cuda.is_available():
    print(json.dumps({"error": "torch " + torch.__version__ + " finds no CUDA GPU"})); sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
sizes, batches, steps = json.loads(sys.argv[1])
dev = torch.device("cuda")
out = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "matmul": {}, "mlp": {}}
def best_of(fn, rounds, reps):
    best = float("inf")
    for _ in range(rounds):
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(reps): fn()
        torch.cuda.synchronize(); best = min(best, (time.perf_counter() - t) / reps)
    return best
for n in sizes:
    a = torch.randn(n, n, device=dev); b = torch.randn(n, n, device=dev)
    for _ in range(3): a @ b
    s = best_of(lambda: a @ b, 5, max(2, int(2e11 / (2 * n ** 3))))
    out["matmul"][str(n)] = 2 * n ** 3 / s / 1e12
from torch import nn
for batch in batches:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3); loss_fn = nn.CrossEntropyLoss()
    X = torch.rand(batch, 784, device=dev); y = torch.randint(0, 10, (batch,), device=dev)
    def step():
        loss = loss_fn(model(X), y); opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(10): step()
    s = best_of(step, 5, steps)
    out["mlp"][str(batch)] = batch / s
print(json.dumps(out))
`;

interface PeerResult {
  error?: string;
  torch?: string;
  gpu?: string;
  matmul?: Record<string, number>;
  mlp?: Record<string, number>;
}

function pytorchPeer(): PeerResult {
  try {
    const outText = execFileSync('python3', ['-c', PYTORCH_PEER, JSON.stringify([SIZES, BATCHES, STEPS])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    return JSON.parse(outText.trim().split('\n').at(-1)!) as PeerResult;
  } catch (e) {
    return { error: `python3 failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

// ---- 1. matmul ----------------------------------------------------------------------------------------

/**
 * Seconds per matmul: best of 5 rounds of `reps` queued products, each round ended by a GPU sync
 * (with 3, the figure at n = 2048 was sometimes a third of the kernel's, right after PyTorch's run).
 */
async function matmulSeconds(n: number): Promise<number> {
  torch.manualSeed(0);
  const a = torch.randn([n, n]).to('webgpu');
  const b = torch.randn([n, n]).to('webgpu');
  a.matmul(b).dispose(); // compile and warm up
  await gpu.synchronize();
  const probe = performance.now();
  a.matmul(b).dispose();
  await gpu.synchronize();
  const once = (performance.now() - probe) / 1000;
  const reps = Math.max(2, Math.min(50, Math.round(0.4 / Math.max(once, 1e-5))));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) a.matmul(b).dispose(); // each product's buffer goes straight back to the pool
    await gpu.synchronize();
    best = Math.min(best, (performance.now() - start) / 1000 / reps);
  }
  a.dispose();
  b.dispose();
  return best;
}

/** Seconds per product of the backend kernel with one tiling (no tensor layer), timed like `matmulSeconds`. */
async function tilingSeconds(n: number, tile: Tile): Promise<number> {
  torch.manualSeed(0);
  const a = torch.randn([1, n, n]).to('webgpu');
  const b = torch.randn([1, n, n]).to('webgpu');
  const product = () => gpu.free(matmulWith(gpu, a._view as never, b._view as never, tile));
  product();
  await gpu.synchronize();
  const probe = performance.now();
  product();
  await gpu.synchronize();
  const reps = Math.max(2, Math.min(50, Math.round(0.3 / Math.max((performance.now() - probe) / 1000, 1e-5))));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) product();
    await gpu.synchronize();
    best = Math.min(best, (performance.now() - start) / 1000 / reps);
  }
  a.dispose();
  b.dispose();
  return best;
}

/**
 * Whether a tiling computes what js computes, through the strided and the vec4 load paths, on a
 * product that crosses tile edges (200 = 128 + 72) and on one its blocks tile exactly (the kernel
 * without edge checks): a figure for a wrong kernel would mean nothing.
 */
async function tilingAgrees(tile: Tile): Promise<boolean> {
  for (const [M, K, N] of [[200, 196, 200], [2 * tile.BM, 3 * tile.BK, 2 * tile.BN]]) {
    torch.manualSeed(1);
    const a = torch.randn([1, M, K]);
    const b = torch.randn([1, K, N]);
    const expected = a.matmul(b);
    const scale = a.abs().matmul(b.abs());
    for (const [x, y] of [[a, b], [a, b.transpose(1, 2).contiguous().transpose(1, 2)]]) {
      const out = matmulWith(gpu, x.to('webgpu')._view as never, y.to('webgpu')._view as never, tile);
      const got = torch.tensor(Array.from(await gpu.read(out, 'float32'))).reshape([1, M, N]);
      gpu.free(out);
      if (got.sub(expected).abs().sub(scale.mul(1e-5)).max().item() > 0) return false;
    }
  }
  return true;
}

/** The tilings the backend has, and other shapes of tile worth knowing about on this GPU. */
const { wide } = TILES;
const CANDIDATES: Record<string, Tile> = {
  ...TILES,
  'wide, one stage': { ...wide, pipeline: false },
  'wide, k8': { ...wide, BK: 8 },
  'wide turned (256×128)': { ...wide, BM: 256, BN: 128 },
  'wide, 8×16 per thread': { ...wide, TM: 8, TN: 16 },
};

/**
 * TFLOP/s of independent multiply-adds on registers alone: every thread runs `iterations` rounds
 * of 64 vec4 multiply-adds (16 accumulators, 4 times over), reading and writing no memory but its
 * one result. No matmul kernel can beat it on this GPU through this driver, so it says how far the
 * tilings are from the arithmetic, as opposed to from cuBLAS.
 */
async function arithmeticCeiling(): Promise<number> {
  const accs = Array.from({ length: 16 }, (_, i) => i);
  const wgsl = /* wgsl */ `
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let iterations = prmu(0u);
  let m = vec4<f32>(1.0 + f32(prm(1u)) * 1e-9); // parameters, so the compiler cannot fold the loop
  let c = vec4<f32>(f32(prm(2u)) * 1e-9);
  let x = f32(g.x) * 1e-7;
${accs.map((i) => `  var acc${i} = vec4<f32>(x + ${i}.0, x + ${i}.25, x + ${i}.5, x + ${i}.75);`).join('\n')}
  for (var i = 0u; i < iterations; i++) {
${Array.from({ length: 4 }, () => accs.map((i) => `    acc${i} = acc${i} * m + c;`).join('\n')).join('\n')}
  }
  dst[g.x] = ${accs.map((i) => `acc${i}`).join(' + ')};
}
`;
  const kernel = gpu.ctx.kernel('bench_arithmetic_ceiling', [{ name: 'dst', type: 'vec4<f32>', access: 'read_write' }], () => wgsl);
  const groups = small ? 8 : 4096;
  const iterations = small ? 16 : 2048;
  const dst = gpu.storage('float32', groups * 256 * 4);
  const params = new Int32Array(64);
  params.set([iterations, 1, 1]);
  const run = () => gpu.ctx.dispatch(kernel, params, [dst.buffer], [groups, 1, 1]);
  run();
  await gpu.synchronize();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let r = 0; r < 5; r++) run();
    await gpu.synchronize();
    best = Math.min(best, (performance.now() - start) / 1000 / 5);
  }
  gpu.free(dst);
  return (groups * 256 * iterations * 4 * 16 * 4 * 2) / best / 1e12;
}

// ---- 2. the MLP training step ---------------------------------------------------------------------

/** PyTorch's default init for nn.Linear: U(-1/√fan_in, 1/√fan_in) for weight and bias. */
function linear(fanIn: number, fanOut: number): [Tensor, Tensor] {
  const bound = 1 / Math.sqrt(fanIn);
  const w = torch.rand([fanIn, fanOut]).mul(2 * bound).sub(bound).to('webgpu').requiresGrad_();
  const b = torch.rand([fanOut]).mul(2 * bound).sub(bound).to('webgpu').requiresGrad_();
  return [w, b];
}

async function mlp(batch: number): Promise<{ samplesPerSecond: number; recordMs: number; dispatches: number; memory: { live: number; pooled: number }[]; loss: number }> {
  torch.manualSeed(0);
  const params = [...linear(784, 512), ...linear(512, 512), ...linear(512, 10)];
  const [w1, b1, w2, b2, w3, b3] = params;
  const X = torch.rand([batch, 784]).to('webgpu');
  const y = torch.randint(0, 10, [batch, 1]).to('webgpu');
  const step = (): Tensor => {
    const logits = X.matmul(w1).add(b1).relu().matmul(w2).add(b2).relu().matmul(w3).add(b3);
    const loss = logits.logSoftmax(1).gather(1, y).mean().neg(); // cross-entropy
    loss.backward();
    torch.noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!, { alpha: LR }); // one pass, as optim.SGD does
        p.grad = null;
      }
    });
    return loss;
  };
  for (let i = 0; i < 3; i++) step();
  await step().itemAsync(); // warm: every kernel compiled
  const dispatch = gpu.ctx.dispatch;
  let dispatches = 0;
  gpu.ctx.dispatch = (...args) => {
    dispatches++;
    dispatch.apply(gpu.ctx, args);
  };
  step(); // counted: the kernel launches of one step
  gpu.ctx.dispatch = dispatch;
  const memory: { live: number; pooled: number }[] = [];
  let best = Infinity;
  let recordMs = Infinity; // JavaScript's share: the loop's time before it waits for the GPU
  for (let round = 0; round < 4; round++) {
    const start = performance.now();
    for (let i = 0; i < STEPS; i++) {
      step();
      await yieldToEventLoop();
    }
    recordMs = Math.min(recordMs, (performance.now() - start) / STEPS);
    await gpu.synchronize();
    best = Math.min(best, (performance.now() - start) / 1000 / STEPS);
    const m = gpu.memory();
    memory.push({ live: m.liveBytes, pooled: m.pooledBytes });
  }
  const loss = await step().itemAsync();
  return { samplesPerSecond: batch / best, recordMs, dispatches, memory, loss };
}

/**
 * How many of 2^16 elements of `p.sub_(g, { alpha })` (one kernel) differ from `p.sub(g.mul(alpha))`
 * (two), which it must equal bit for bit (Backend.binaryInto): 0 unless the driver fused the
 * product into a multiply-add despite the kernel's guard. SwiftShader never fuses; a GPU may.
 */
async function inplaceAlphaMismatches(): Promise<number> {
  torch.manualSeed(2);
  const p = torch.randn([1 << 16]).to('webgpu');
  const g = torch.randn([1 << 16]).to('webgpu');
  const bits = async (t: Tensor) => {
    const values = await t.data();
    return new Uint32Array(values.buffer, values.byteOffset, values.length);
  };
  const twoKernels = await bits(p.sub(g.mul(1e-3)));
  const oneKernel = await bits(torch.noGrad(() => p.clone().sub_(g, { alpha: 1e-3 })));
  return twoKernels.filter((bits, i) => bits !== oneKernel[i]).length;
}

// ---- run ------------------------------------------------------------------------------------------

const peer: PeerResult = mlpOnly ? { error: '--mlp' } : pytorchPeer();
if (peer.error) console.log(`PyTorch CUDA peer: not measured (${peer.error})`);
else console.log(`PyTorch CUDA peer: torch ${peer.torch} on ${peer.gpu} (TF32 off)`);
console.log();

if (!mlpOnly) {
  console.log('1. float32 matmul, n × n · n × n (TFLOP/s)');
  const matmulRows: string[][] = [];
  for (const n of SIZES) {
    const seconds = await matmulSeconds(n);
    const tflops = (2 * n ** 3) / seconds / 1e12;
    const theirs = peer.matmul?.[String(n)];
    matmulRows.push([sizeName(n), fmt(tflops, small ? 6 : 2), fmt(seconds * 1000, 3), fmt(theirs), theirs ? `${fmt(tflops / theirs)}×` : 'n/a']);
  }
  table(['n', 'webgpu TFLOP/s', 'ms each', 'PyTorch CUDA TFLOP/s', 'webgpu / PyTorch'], matmulRows);

  const sharedBytes = info.limits.maxComputeWorkgroupStorageSize;
  console.log(`1b. the matmul kernel with each tiling, called directly (TFLOP/s); * = the tiling tileFor picks; workgroup memory limit ${sharedBytes} B`);
  const tilingRows: string[][] = [];
  for (const [name, tile] of Object.entries(CANDIDATES)) {
    const cells = [name, `${tile.TM}×${tile.TN}, ${(tile.BM / tile.TM) * (tile.BN / tile.TN)} threads, k${tile.BK}`];
    if (tileBytes(tile) > sharedBytes) {
      tilingRows.push([...cells, ...SIZES.map(() => `needs ${tileBytes(tile)} B`)]);
      continue;
    }
    if (!(await tilingAgrees(tile))) {
      tilingRows.push([...cells, ...SIZES.map(() => 'WRONG')]);
      continue;
    }
    for (const n of SIZES) {
      const tflops = (2 * n ** 3) / (await tilingSeconds(n, tile)) / 1e12;
      cells.push(`${fmt(tflops, small ? 6 : 2)}${tileFor(1, n, n, n, true, sharedBytes) === tile ? '*' : ''}`);
    }
    tilingRows.push(cells);
  }
  table(['tiling', 'per thread', ...SIZES.map((n) => `n=${sizeName(n)}`)], tilingRows);

  const ceiling = await arithmeticCeiling();
  console.log(`1c. arithmetic ceiling (multiply-adds on registers, no memory): ${fmt(ceiling, small ? 6 : 2)} TFLOP/s\n`);
}

if (matmulOnly) process.exit(0);

console.log(`elements where sub_(g, { alpha }) differs from sub(g.mul(alpha)), of 65536: ${await inplaceAlphaMismatches()} (must be 0)\n`);
console.log(`2. tutorial MLP training step (784-512-512-10, SGD), samples/s — best of 4 rounds of ${STEPS} steps`);
const mlpRows: string[][] = [];
const memoryRows: string[][] = [];
for (const batch of BATCHES) {
  const r = await mlp(batch);
  const theirs = peer.mlp?.[String(batch)];
  mlpRows.push([String(batch), fmt(r.samplesPerSecond, 0), fmt((batch / r.samplesPerSecond) * 1000, 2), fmt(r.recordMs, 2), String(r.dispatches), fmt(theirs, 0), theirs ? `${fmt(r.samplesPerSecond / theirs)}×` : 'n/a', fmt(r.loss, 4)]);
  memoryRows.push([String(batch), ...r.memory.map((m) => `${mib(m.live)} + ${mib(m.pooled)}`)]);
}
table(['batch', 'webgpu samples/s', 'ms/step', 'of which JS records', 'kernels a step', 'PyTorch CUDA samples/s', 'webgpu / PyTorch', 'loss after'], mlpRows);

console.log('3. GPU memory after each round of training steps: live + pooled (flat when buffers are reused)');
table(['batch', ...[1, 2, 3, 4].map((r) => `after round ${r}`)], memoryRows);
const stats = gpu.memory();
console.log(`buffers created: ${stats.buffersCreated}, reused from the pool: ${stats.reuses}, garbage collections the pool ran: ${stats.collections}`);
process.exit(0); // Dawn keeps the event loop alive while a device exists
