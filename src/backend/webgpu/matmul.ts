/**
 * Batched matrix product out[b] = a[b] · b[b], [B, M, K] × [B, K, N] → [B, M, N], any strides.
 *
 * Tiling. A naive kernel (one output per thread, reading its row of a and column of b from global
 * memory) does 2 loads per multiply-add and is bound by memory bandwidth. Here a workgroup owns a
 * BM×BN block of the output. For each step of BK along k it copies a BM×BK tile of a and a BK×BN
 * tile of b into workgroup (shared) memory — consecutive threads on consecutive addresses, so the
 * loads coalesce — then every thread computes a TM×TN block of outputs from the tiles: per 4 steps
 * of k it loads TM + TN vec4 from shared memory and does 4·TM·TN multiply-adds, and each global
 * element is loaded once per BM (or BN) uses instead of once per use.
 *
 * Three shapes of tile, chosen by the size of the product (`tileFor`):
 * - 64×64 with 4×4 per thread (16 accumulators, 8 KiB of tiles): enough workgroups to fill a GPU
 *   for mid-sized products, and within WebGPU's guaranteed 16 KiB of workgroup memory.
 * - 128×128 with 16×8 per thread (128 accumulators, 128 threads), a's tile stored by k (`aByK`):
 *   per step of k a thread loads 4 vec4 of a (its 16 rows) and 2 of b (its 8 columns) from
 *   shared memory for 128 multiply-adds (the 64×64 tiling: 2 for 16), for products big enough to
 *   give every multiprocessor several workgroups anyway. It keeps two stages of tiles (16 KiB):
 *   the next k-step's global loads go out before the current step's multiply-adds and land in the
 *   other stage after them, so their latency hides behind the arithmetic and one barrier a step
 *   suffices.
 * - 128×256 with 16×8 per thread (256 threads) and k steps of 16 (`wide`): twice the block, so each
 *   element of a is loaded from global memory half as often, for vec4 products its blocks tile
 *   exactly. Its two stages take 48 KiB of workgroup memory, which big GPUs have (and SwiftShader,
 *   with 32 KiB, has not: tileFor asks the device).
 * Products whose dims are multiples of the block (M of BM, N of BN, K of BK) get a kernel without
 * edge checks: each global load and store is then one instruction instead of a test and a branch.
 *
 * On an H200 (bench/gpu.ts, kernel called directly, TFLOP/s at n = 4096; cuBLAS 50–51): the
 * 64×64 tiling 30–31; the 128×128 one 38.6–38.9 with edge checks, 39.7–41.9 without; the wide one
 * 43.4–46.1 without them (three runs; the tensor API 45.2–46.0, 0.88–0.92× cuBLAS; at 2048
 * 42.3–42.7, 0.85×) and 38.5 with them, no better than 128×128, which is why tileFor keeps it
 * for exact products. At n = 4000 (edges) the 128×128 tiling does 36.7–39.8 (tensor API 40.1,
 * 0.83–0.84×).
 * A one-shot sweep of variants in the kernel's own form (same GPU, n = 4096, TFLOP/s):
 * - without edge checks: 128×128 42.8; 128×256 with k steps of 16 44.9–45.1 (k 8: 34.0; one stage:
 *   40.3); 256×128 43.8; 8×16 per thread 43.1; 128×128 with k steps of 16 31.6, of 4 32.2;
 *   warps covering 4×8 or 8×4 patches of threads rather than whole rows, within 1 %;
 * - edge checks as a clamped index and a select instead of a branch: no better (38.6 against 38.4);
 * - loop written out twice so that the stage index is a literal (35.6, slower: twice the code); the
 *   next step's loads split around the two halves of the k's (39.9).
 * Earlier, with the 128×128 tiling and edge checks: 256 threads of 8×8 each 30–34; a's tile by
 * m 32.2–35.9 (by k 38.6–38.9: a thread holds the 16 values of a of one k at a time rather than
 * 64, so fewer registers); one stage 35.8; the k loop not written out 31.7; a padded tile of a
 * (+1–4 %, noise); WGSL's fma() in place of `acc += a * b` (the same: the driver fuses them
 * already); blocks handed out in bands of 4–16 block rows for L2 locality (31.5–32.6); Dawn's
 * robustness transform turned off (noise; commits d942089 and a69b77b have that code). A kernel
 * of multiply-adds on registers alone reaches 62 TFLOP/s there.
 * A thread's rows are not contiguous: it owns rows 4·ty…4·ty+3 of every group of 4·TY rows, so
 * that neighbouring threads read neighbouring 16-byte words of shared memory.
 * The accumulators are separate named variables, written out by the generator, so the compiler
 * keeps them in registers (an array indexed in a loop may be spilled to memory).
 *
 * b's tile is stored as [k][n / 4] in vec4, a's as [m][k / 4] (the small tiling: a thread loads
 * one vec4 per row of a for 4 k at a time) or [k][m / 4] (the large one, `aByK`: one vec4 per 4
 * rows and k). Edges (M, N, K not multiples of the tile) load zeros. When a and b are row-major
 * with rows a multiple of 4 long, a second variant loads global memory as vec4 too (one 16-byte
 * load instead of four) and stores vec4 results, which is what most matmuls in a model are.
 */
import { numelOf } from '../../shape.js';
import { Params } from './layout.js';
import type { Runtime } from './runtime.js';
import type { GpuStorage, GpuView } from './storage.js';
import { bindingsWgsl, gpuDType, storageType, type Binding, type GpuDType } from './wgsl.js';

/** A tiling: the workgroup's output block BM×BN, the k-step BK, and each thread's block TM×TN. */
export interface Tile {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
  /** Two stages of tiles: the next k-step loads while this one computes (one barrier a step). */
  pipeline?: boolean;
  /** Write the k loop within a step out in full. */
  unrollK?: boolean;
  /**
   * a's tile stored as [k][m / 4] rather than [m][k / 4]: a thread then loads its TM values of a
   * one k at a time (TM / 4 vec4) instead of four k at a time (TM vec4), holding fewer registers.
   */
  aByK?: boolean;
}

export const TILES = {
  small: { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 },
  large: { BM: 128, BN: 128, BK: 8, TM: 16, TN: 8, pipeline: true, unrollK: true, aByK: true },
  wide: { BM: 128, BN: 256, BK: 16, TM: 16, TN: 8, pipeline: true, unrollK: true, aByK: true },
} satisfies Record<string, Tile>;

/** Whether a product's dims are whole multiples of a tiling's blocks, so its kernel needs no edge checks. */
export const tilesExactly = ({ BM, BN, BK }: Tile, M: number, K: number, N: number) => M % BM === 0 && N % BN === 0 && K % BK === 0;

/**
 * The tiling for a product: the wide tile for vec4 products that it tiles exactly (with edges it
 * measured no faster than the large one) and that give every multiprocessor of a big GPU a block;
 * else the large tile once it still gives the GPU enough workgroups; else the small one.
 */
export function tileFor(B: number, M: number, K: number, N: number, vector: boolean, sharedBytes: number): Tile {
  const { wide, large, small } = TILES;
  const blocks = (tile: Tile) => B * Math.ceil(M / tile.BM) * Math.ceil(N / tile.BN);
  if (vector && tilesExactly(wide, M, K, N) && tileBytes(wide) <= sharedBytes && blocks(wide) >= 128) return wide;
  return blocks(large) >= 256 ? large : small;
}

const tileName = ({ BM, BN, BK, TM, TN, pipeline, unrollK, aByK }: Tile) =>
  `${BM}x${BN}k${BK}t${TM}x${TN}${pipeline ? 'p' : ''}${unrollK ? 'u' : ''}${aByK ? 'ak' : ''}`;

/** Workgroup memory a tiling needs, in bytes (both tiles, 4-byte elements). */
export const tileBytes = ({ BM, BN, BK, pipeline }: Tile) => (pipeline ? 2 : 1) * BK * (BM + BN) * 4;

/** `count` copies of `line(i)`, one per line: the unrolled code of the generator. */
const unroll = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i)).join('\n');

/** Output, a and b: vec4 elements when the loads (and stores) are vectorised. */
function matmulBindings(t: string, vector: boolean): Binding[] {
  const type = vector ? `vec4<${t}>` : t;
  return [
    { name: 'dst', type, access: 'read_write' },
    { name: 'matA', type, access: 'read' },
    { name: 'matB', type, access: 'read' },
  ];
}

/**
 * Parameters: [0] B, [1] M, [2] K, [3] N, [4] a offset, [5..8) a strides (batch, m, k),
 * [8] b offset, [9..12) b strides (batch, k, n), [12] first batch of this dispatch.
 */
function matmulWgsl(t: string, vector: boolean, tile: Tile, exact: boolean): string {
  const { BM, BN, BK, TM, TN } = tile;
  const TX = BN / TN; // threads across
  const TY = BM / TM; // threads down
  const T = TX * TY;
  const HN = TN / 4; // vec4 columns of b per thread
  const w = vector ? 4 : 1; // elements per global load
  const loadsA = (BM * BK) / w / T; // global loads per thread per k-step
  const loadsB = (BN * BK) / w / T;
  if (TM % 4 || TN % 4 || BK % 4 || !Number.isInteger(loadsA) || !Number.isInteger(loadsB)) {
    throw new RangeError(`webgpu matmul: tiling ${tileName(tile)} does not split evenly over its ${T} threads`);
  }
  const reg = vector ? `vec4<${t}>` : t;
  const stages = tile.pipeline ? 2 : 1;
  // Load q of a thread fetches element(s) e = lid + q·T of a tile from global memory into a
  // register (consecutive threads read consecutive k along a row of a, consecutive columns along a
  // row of b, so the loads coalesce); `put` stores it in the tile: a as [m][k / 4] (a vec4 holds 4
  // consecutive k), b as [k][n / 4]. Where in a and b load q reads at k0 = 0 is worked out once,
  // before the k loop (`setupA`, `setupB`): each step adds k0 times the stride along k.
  // Without edge checks (`exact`: M, N and K are multiples of the tile) a load is one
  // instruction; with them, a branch each, which cost the wide tiling 15 % on an H200.
  const setupA = (q: number) => /* wgsl */ `
  let aRow${q} = row0 + (lid + ${q * T}u) / ${BK / w}u;
  let aK${q} = ((lid + ${q * T}u) % ${BK / w}u) * ${w}u;
  let aAt${q} = aBase + i32(aRow${q}) * prm(6u) + i32(aK${q}) * prm(7u);
  var ra${q}: ${reg};`;
  const setupB = (q: number) => /* wgsl */ `
  let bK${q} = (lid + ${q * T}u) / ${BN / w}u;
  let bCol${q} = col0 + ((lid + ${q * T}u) % ${BN / w}u) * ${w}u;
  let bAt${q} = bBase + i32(bK${q}) * prm(10u) + i32(bCol${q}) * prm(11u);
  var rb${q}: ${reg};`;
  const at = (buffer: string, start: string, k0: string, kStride: string) =>
    vector ? `${buffer}[u32(${start} + i32(${k0}) * ${kStride}) / 4u]` : `${buffer}[${start} + i32(${k0}) * ${kStride}]`;
  const aStrideK = vector ? '1' : 'prm(7u)'; // a vec4 load needs rows of unit stride
  /** `statement`, run only where `inBounds` holds unless the product has no edges. */
  const guarded = (inBounds: string, statement: string) => (exact ? statement : `if (${inBounds}) { ${statement} }`);
  /** Loads `value` into register `r`: zero outside the matrix, unless the product has no edges. */
  const fetchInto = (r: string, inBounds: string, value: string) => `      ${exact ? '' : `${r} = ${reg}(); `}${guarded(inBounds, `${r} = ${value};`)}`;
  const fetchA = (q: number, k0: string) => fetchInto(`ra${q}`, `aRow${q} < M && ${k0} + aK${q} < K`, at('matA', `aAt${q}`, k0, aStrideK));
  const fetchB = (q: number, k0: string) => fetchInto(`rb${q}`, `${k0} + bK${q} < K && bCol${q} < N`, at('matB', `bAt${q}`, k0, 'prm(10u)'));
  const putA = (q: number, s: string) => {
    const e = `(lid + ${q * T}u)`;
    if (tile.aByK) {
      // [k][m / 4][m % 4]: a register's 4 consecutive k (or its one) go to 4 (or 1) rows of k
      return vector
        ? unroll(4, (c) => `    tileA[${s}][(${e} % ${BK / 4}u) * 4u + ${c}u][(${e} / ${BK / 4}u) / 4u][(${e} / ${BK / 4}u) % 4u] = ra${q}.${'xyzw'[c]};`)
        : `    tileA[${s}][${e} % ${BK}u][(${e} / ${BK}u) / 4u][(${e} / ${BK}u) % 4u] = ra${q};`;
    }
    return vector
      ? `    tileA[${s}][${e} / ${BK / 4}u][${e} % ${BK / 4}u] = ra${q};`
      : `    tileA[${s}][${e} / ${BK}u][(${e} % ${BK}u) / 4u][${e} % 4u] = ra${q};`;
  };
  const putB = (q: number, s: string) => {
    const e = `(lid + ${q * T}u)`;
    return vector
      ? `    tileB[${s}][${e} / ${BN / 4}u][${e} % ${BN / 4}u] = rb${q};`
      : `    tileB[${s}][${e} / ${BN}u][(${e} % ${BN}u) / 4u][${e} % 4u] = rb${q};`;
  };
  const fetch = (k0: string) => unroll(loadsA, (q) => fetchA(q, k0)) + '\n' + unroll(loadsB, (q) => fetchB(q, k0));
  const put = (s: string) => unroll(loadsA, (q) => putA(q, s)) + '\n' + unroll(loadsB, (q) => putB(q, s));
  // accumulator acc_i_j: row 4·(ty + ⌊i/4⌋·TY) + i mod 4 of the tile, vec4 column tx + j·TX
  const rows = Array.from({ length: TM }, (_, i) => i);
  const cols = Array.from({ length: HN }, (_, j) => j);
  const rowOf = (i: number) => `${4 * Math.floor(i / 4) * TY + (i % 4)}u + lid3.y * 4u`;
  const comp = 'xyzw';
  // the multiply-adds of 4 steps of k from tile stage s
  const groups = Array.from({ length: TM / 4 }, (_, g) => g);
  const fourK = (s: string, kq: string) =>
    tile.aByK
      ? // per k: TM / 4 vec4 of a (4 rows each) and HN of b
        unroll(4, (kk) => `
${groups.map((g) => `      let a${g}_${kk} = tileA[${s}][${kq} * 4u + ${kk}u][lid3.y + ${g * TY}u];`).join('\n')}
${cols.map((j) => `      let b${kk}_${j} = tileB[${s}][${kq} * 4u + ${kk}u][lid3.x + ${j * TX}u];`).join('\n')}
${rows.flatMap((i) => cols.map((j) => `      acc_${i}_${j} += a${Math.floor(i / 4)}_${kk}.${comp[i % 4]} * b${kk}_${j};`)).join('\n')}`)
      : // per 4 k: TM vec4 of a (4 k each), then per k HN of b
        `
${rows.map((i) => `      let a${i} = tileA[${s}][${rowOf(i)}][${kq}];`).join('\n')}
${unroll(4, (kk) => `${cols.map((j) => `      let b${kk}_${j} = tileB[${s}][${kq} * 4u + ${kk}u][lid3.x + ${j * TX}u];`).join('\n')}
${rows.flatMap((i) => cols.map((j) => `      acc_${i}_${j} += a${i}.${comp[kk]} * b${kk}_${j};`)).join('\n')}`)}`;
  const compute = (s: string) =>
    tile.unrollK
      ? unroll(BK / 4, (kq) => `    {${fourK(s, `${kq}u`)}\n    }`)
      : `    for (var kq = 0u; kq < ${BK / 4}u; kq++) {${fourK(s, 'kq')}\n    }`;
  const store = (i: number, j: number) => {
    const gm = `row0 + ${rowOf(i)}`;
    const gn = `col0 + ${4 * j * TX}u + lid3.x * 4u`;
    return vector
      ? `  ${guarded(`${gm} < M && ${gn} < N`, `dst[(outBase + (${gm}) * N + ${gn}) / 4u] = acc_${i}_${j};`)}`
      : unroll(4, (c) => `  ${guarded(`${gm} < M && ${gn} + ${c}u < N`, `dst[outBase + (${gm}) * N + ${gn} + ${c}u] = acc_${i}_${j}.${comp[c]};`)}`);
  };
  // One stage: load a step's tiles, wait, compute, wait. Two stages: the next step's loads go out
  // before this step computes and land in the other stage after, so one barrier per step suffices
  // (the stage written in step i was last read in step i − 1, before that step's barrier).
  const loop = tile.pipeline
    ? `
${fetch('0u')}
${put('0u')}
  workgroupBarrier();
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    let s = (k0 / ${BK}u) & 1u;
    let more = k0 + ${BK}u < K;
    if (more) {
${fetch(`k0 + ${BK}u`)}
    }
${compute('s')}
    if (more) {
${put('s ^ 1u')}
    }
    workgroupBarrier();
  }`
    : `
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
${fetch('k0')}
${put('0u')}
    workgroupBarrier();
${compute('0u')}
    workgroupBarrier();
  }`;
  return /* wgsl */ `
${bindingsWgsl(matmulBindings(t, vector))}
${
  tile.aByK
    ? `var<workgroup> tileA: array<array<array<vec4<${t}>, ${BM / 4}>, ${BK}>, ${stages}>; // [stage][k][m / 4][m % 4]`
    : `var<workgroup> tileA: array<array<array<vec4<${t}>, ${BK / 4}>, ${BM}>, ${stages}>; // [stage][m][k / 4][k % 4]`
}
var<workgroup> tileB: array<array<array<vec4<${t}>, ${BN / 4}>, ${BK}>, ${stages}>; // [stage][k][n / 4][n % 4]

@compute @workgroup_size(${TX}, ${TY})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let M = prmu(1u);
  let K = prmu(2u);
  let N = prmu(3u);
  let batch = wid.z + prmu(12u);
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
  let aBase = prm(4u) + i32(batch) * prm(5u);
  let bBase = prm(8u) + i32(batch) * prm(9u);
${unroll(loadsA, setupA)}
${unroll(loadsB, setupB)}
${rows.flatMap((i) => cols.map((j) => `  var acc_${i}_${j} = vec4<${t}>();`)).join('\n')}
${loop}
  let outBase = batch * M * N;
${rows.flatMap((i) => cols.map((j) => store(i, j))).join('\n')}
}
`;
}

/** Whether a and b can be read as vec4 rows: unit inner stride, and every row start 16-byte aligned. */
function vectorizable(a: GpuView, b: GpuView): boolean {
  const [, , K] = a.shape;
  const N = b.shape[2];
  const aligned = (v: number) => v % 4 === 0;
  return (
    a.strides[2] === 1 && K % 4 === 0 && aligned(a.offset) && aligned(a.strides[1]) && (a.shape[0] === 1 || aligned(a.strides[0])) &&
    b.strides[2] === 1 && N % 4 === 0 && aligned(b.offset) && aligned(b.strides[1]) && (b.shape[0] === 1 || aligned(b.strides[0]))
  );
}

/** The product of a and b; `tile` overrides the tiling `tileFor` picks (the GPU bench compares them). */
export function matmul(rt: Runtime, a: GpuView, b: GpuView, tile?: Tile): GpuStorage {
  const dtype: GpuDType = gpuDType(a.dtype);
  if (dtype === 'bool') throw new TypeError('webgpu matmul: bool matrices are not supported; convert to float32 or int32');
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = rt.storage(dtype, numelOf([B, M, N]), K === 0);
  if (B * M * N === 0 || K === 0) return out;
  const vector = vectorizable(a, b);
  const t = storageType[dtype];
  const sharedBytes = rt.ctx.device.limits.maxComputeWorkgroupStorageSize;
  const use = tile ?? tileFor(B, M, K, N, vector, sharedBytes);
  if (tileBytes(use) > sharedBytes) {
    throw new RangeError(`webgpu matmul: tiling ${tileName(use)} needs ${tileBytes(use)} bytes of workgroup memory; this device has ${sharedBytes}`);
  }
  const exact = tilesExactly(use, M, K, N);
  const name = `matmul_${tileName(use)}_${vector ? 'vec4' : 'strided'}${exact ? '_exact' : ''}_${dtype}`;
  const kernel = rt.ctx.kernel(name, matmulBindings(t, vector), () => matmulWgsl(t, vector, use, exact));
  // a batch of more than 65535 matrices (the grid's z limit) goes in several dispatches
  for (let first = 0; first < B; first += 65535) {
    const p = new Params().set(0, B, M, K, N, a.offset, ...a.strides, b.offset, ...b.strides, first).values;
    rt.ctx.dispatch(kernel, p, [out.buffer, a.storage.buffer, b.storage.buffer], [Math.ceil(N / use.BN), Math.ceil(M / use.BM), Math.min(65535, B - first)]);
  }
  return out;
}
