/**
 * Batched matrix product out[b] = a[b] · b[b], [B, M, K] × [B, K, N] → [B, M, N], any strides.
 *
 * Tiling. A naive kernel (one output per thread, reading its row of a and column of b from global
 * memory) does 2 loads per multiply-add and is bound by memory bandwidth. Here a workgroup owns a
 * BM×BN block of the output. For each step of BK along k it copies a BM×BK tile of a and a BK×BN
 * tile of b into workgroup (shared) memory — consecutive threads on consecutive addresses, so the
 * loads coalesce — then every thread computes a TM×TN block of outputs from the tiles: per k it
 * loads TM/4 + TN/4 vec4 from shared memory and does TM·TN multiply-adds, and each global element
 * is loaded once per BM (or BN) uses instead of once per use.
 *
 * Two shapes of tile, chosen by the size of the product (`tileFor`):
 * - 64×64 with 4×4 per thread (16 accumulators, 8 KiB of tiles): enough workgroups to fill a GPU
 *   for mid-sized products, and within WebGPU's guaranteed 16 KiB of workgroup memory.
 *   On an H100 this shape measured 22–28 TFLOP/s for n = 1024…4096 (shared/device/README.md).
 * - 128×128 with 8×8 per thread (64 accumulators): twice the multiply-adds per shared-memory load
 *   (16 per vec4 instead of 8), which is what a large product on a big GPU is limited by.
 * A thread's rows are not contiguous: it owns vec4 rows ty, ty + TY, … of the tile (TY threads
 * down), so that neighbouring threads read neighbouring 16-byte words of shared memory at each k.
 * The accumulators are separate named variables, written out by the generator, so the compiler
 * keeps them in registers (an array indexed in a loop may be spilled to memory).
 *
 * Tiles are stored k-major as vec4 rows, so a thread reads 4 rows of a or 4 columns of b with one
 * 16-byte load. Edges (M, N, K not multiples of the tile) load zeros. When a and b are row-major
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
}

export const TILES = {
  small: { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 },
  large: { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 },
} satisfies Record<string, Tile>;

/** The tiling for a product: the large tile once it still gives the GPU enough workgroups. */
export function tileFor(B: number, M: number, N: number): Tile {
  const { large } = TILES;
  return B * Math.ceil(M / large.BM) * Math.ceil(N / large.BN) >= 256 ? large : TILES.small;
}

const tileName = ({ BM, BN, BK, TM, TN }: Tile) => `${BM}x${BN}k${BK}t${TM}x${TN}`;

/** Workgroup memory a tiling needs, in bytes (both tiles, 4-byte elements). */
export const tileBytes = ({ BM, BN, BK }: Tile) => BK * (BM + BN) * 4;

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
function matmulWgsl(t: string, vectorLoads: boolean, tile: Tile): string {
  const { BM, BN, BK, TM, TN } = tile;
  const TX = BN / TN; // threads across
  const TY = BM / TM; // threads down
  const T = TX * TY;
  const HM = TM / 4; // vec4 rows of a per thread
  const HN = TN / 4; // vec4 columns of b per thread
  if (TM % 4 || TN % 4 || BK % 4 || ((BM * BK) / 4) % T || ((BN * BK) / 4) % T) {
    throw new RangeError(`webgpu matmul: tiling ${tileName(tile)} does not split evenly over its ${T} threads`);
  }
  // How each thread fills its share of the two tiles for the k-step starting at k0.
  const loadTiles = vectorLoads
    ? /* wgsl */ `
    // a: BM rows × ${BK / 4} vec4 of k, ${(BM * BK) / 4 / T} vec4 load(s) a thread, stored transposed
    for (var q = 0u; q < ${(BM * BK) / 4 / T}u; q++) {
      let e = lid + q * ${T}u;
      let m = e / ${BK / 4}u;
      let kq = e % ${BK / 4}u;
      let gm = row0 + m;
      let gk = k0 + kq * 4u;
      var v = vec4<${t}>();
      if (gm < M && gk < K) { v = matA[u32(aBase + i32(gm) * prm(6u) + i32(gk)) / 4u]; }
      tileA[kq * 4u][m / 4u][m % 4u] = v.x;
      tileA[kq * 4u + 1u][m / 4u][m % 4u] = v.y;
      tileA[kq * 4u + 2u][m / 4u][m % 4u] = v.z;
      tileA[kq * 4u + 3u][m / 4u][m % 4u] = v.w;
    }
    // b: BK rows of k × ${BN / 4} vec4 of columns, ${(BN * BK) / 4 / T} vec4 load(s) a thread
    for (var q = 0u; q < ${(BN * BK) / 4 / T}u; q++) {
      let e = lid + q * ${T}u;
      let kb = e / ${BN / 4}u;
      let nq = e % ${BN / 4}u;
      let gk = k0 + kb;
      let gn = col0 + nq * 4u;
      var v = vec4<${t}>();
      if (gk < K && gn < N) { v = matB[u32(bBase + i32(gk) * prm(10u) + i32(gn)) / 4u]; }
      tileB[kb][nq] = v;
    }`
    : /* wgsl */ `
    for (var q = 0u; q < ${(BM * BK) / T}u; q++) {
      let e = lid + q * ${T}u;
      // a tile, BM × BK: consecutive threads read consecutive k (along a row of a row-major a)
      let m = e / ${BK}u;
      let k = e % ${BK}u;
      var va = ${t}(0);
      if (row0 + m < M && k0 + k < K) { va = matA[aBase + i32(row0 + m) * prm(6u) + i32(k0 + k) * prm(7u)]; }
      tileA[k][m / 4u][m % 4u] = va;
    }
    for (var q = 0u; q < ${(BN * BK) / T}u; q++) {
      let e = lid + q * ${T}u;
      // b tile, BK × BN: consecutive threads read consecutive columns
      let kb = e / ${BN}u;
      let n = e % ${BN}u;
      var vb = ${t}(0);
      if (k0 + kb < K && col0 + n < N) { vb = matB[bBase + i32(k0 + kb) * prm(10u) + i32(col0 + n) * prm(11u)]; }
      tileB[kb][n / 4u][n % 4u] = vb;
    }`;
  // accumulator acc_h_r_j: row 4·(ty + h·TY) + r of the tile, vec4 column tx + j·TX
  const accs: string[] = [];
  for (let h = 0; h < HM; h++) for (let r = 0; r < 4; r++) for (let j = 0; j < HN; j++) accs.push(`acc_${h}_${r}_${j}`);
  const comp = 'xyzw';
  const store = (h: number, r: number, j: number) => {
    const gm = `row0 + ${4 * h * TY}u + lid3.y * 4u + ${r}u`;
    const gn = `col0 + ${4 * j * TX}u + lid3.x * 4u`;
    return vectorLoads
      ? `  if (${gm} < M && ${gn} < N) { dst[(outBase + (${gm}) * N + ${gn}) / 4u] = acc_${h}_${r}_${j}; }`
      : unroll(4, (c) => `  if (${gm} < M && ${gn} + ${c}u < N) { dst[outBase + (${gm}) * N + ${gn} + ${c}u] = acc_${h}_${r}_${j}.${comp[c]}; }`);
  };
  return /* wgsl */ `
${bindingsWgsl(matmulBindings(t, vectorLoads))}
var<workgroup> tileA: array<array<vec4<${t}>, ${BM / 4}>, ${BK}>; // [k][m / 4][m % 4]
var<workgroup> tileB: array<array<vec4<${t}>, ${BN / 4}>, ${BK}>; // [k][n / 4][n % 4]

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
${accs.map((name) => `  var ${name} = vec4<${t}>();`).join('\n')}
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    ${loadTiles}
    workgroupBarrier();
    for (var k = 0u; k < ${BK}u; k++) {
${unroll(HM, (h) => `      let a${h} = tileA[k][lid3.y + ${h * TY}u];`)}
${unroll(HN, (j) => `      let b${j} = tileB[k][lid3.x + ${j * TX}u];`)}
${accs.map((name) => { const [, h, r, j] = name.split('_'); return `      ${name} += a${h}.${comp[Number(r)]} * b${j};`; }).join('\n')}
    }
    workgroupBarrier();
  }
  let outBase = batch * M * N;
${accs.map((name) => { const [, h, r, j] = name.split('_').map(Number); return store(h, r, j); }).join('\n')}
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
  const use = tile ?? tileFor(B, M, N);
  const name = `matmul_${tileName(use)}_${vector ? 'vec4' : 'strided'}_${dtype}`;
  const kernel = rt.ctx.kernel(name, matmulBindings(t, vector), () => matmulWgsl(t, vector, use));
  // a batch of more than 65535 matrices (the grid's z limit) goes in several dispatches
  for (let first = 0; first < B; first += 65535) {
    const p = new Params().set(0, B, M, K, N, a.offset, ...a.strides, b.offset, ...b.strides, first).values;
    rt.ctx.dispatch(kernel, p, [out.buffer, a.storage.buffer, b.storage.buffer], [Math.ceil(N / use.BN), Math.ceil(M / use.BM), Math.min(65535, B - first)]);
  }
  return out;
}
