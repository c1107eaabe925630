/**
 * Batched matrix product, out[b] = a[b] @ b[b], for float32, float64 and int32.
 *
 * The float kernels follow the BLIS recipe (Goto & van de Geijn, "Anatomy of high-performance
 * matrix multiplication", 2008): the work is cut into blocks that fit the caches, each block is
 * copied ("packed") into the order the inner loop reads it, and a tiny register-resident
 * micro-kernel does all the arithmetic.
 *
 *   for jc in N step NC             B block: KC x NC, about 1 MiB  -> L2
 *     for pc in K step KC
 *       pack B[pc:pc+KC, jc:jc+NC] into panels NR columns wide
 *       for each row block ic (MC rows) of this call's units
 *         pack A[ic:ic+MC, pc:pc+KC] into panels MR rows tall    -> L2
 *         for jr in NC step NR      one B panel, KC x NR            -> L1
 *           for ir in MC step MR    one A panel, MR x KC
 *             C[ir:ir+MR, jr:jr+NR] (+)= A panel @ B panel   (the micro-kernel)
 *
 * The micro-kernel keeps an MR x NR tile of C in SIMD registers (float32: 4 x 8 = 8 f32x4
 * accumulators) and, for each k, loads one row of the B panel (2 vectors) and broadcasts MR
 * values of A: 8 multiplies and 8 adds per 6 loads.
 *
 * Why 4 x 8 and not a bigger tile (measured on the 2-core AMD EPYC, Node 20, kernel alone on
 * panels in L1): V8 issues all of an iteration's loads before its arithmetic, so the tile, the
 * loaded values and one product must all fit in the 15 SIMD registers V8 allocates on x64
 * (xmm15 is its scratch): 8 + 6 + 1 here. 5 x 8, 6 x 8 and 4 x 12 tiles spill and run at 22-27
 * GFLOP/s against 42.8 for this one; unrolling k by two spills too (29 GFLOP/s for a whole
 * 1024² product, against 41.8). The loads are what this kernel pays for beyond the arithmetic:
 * the same 8 multiplies and 8 adds per k run at 58 GFLOP/s with 2 loads per k, 47 with 4 and
 * 42.8 with this kernel's 6, and A stored pre-broadcast (plain loads instead of load32_splat)
 * changes nothing. With fused multiply-adds (relaxed SIMD, below) a 3 x 12 tile fits (9 + 6
 * registers) but measures the same as 4 x 8 (54.8 vs 54.3).
 *
 * The k loop runs on the A pointer and tests it at the end (do-while: kc is never 0). Written as
 * `for (k = 0; k < kc; k++)`, V8 kept a counter beside the two pointers and compared it with kc
 * reloaded from the stack every k, and the kernel alone ran at 42.8 GFLOP/s; the same loop on the
 * pointer, tested at the top, 45; tested at the end, 47-48. A 1024² product went from 41-43 to
 * 45-46. (5 x 8 and 3 x 12 tiles written this way still spill: 36-39.)
 *
 * Packing reads the operands through their strides, so a transposed (or otherwise strided)
 * operand costs one strided pass over K x N or M x K elements, negligible next to the M x N x K
 * products: `a.matmul(w.t())` runs as fast as `a.matmul(w)`.
 *
 * Threads split C into tiles ("units" of MC rows by `nb` columns, over all batches); every C
 * element is computed by the same sequence of operations whichever thread owns its tile and
 * however wide the tiles are, so the result does not depend on the number of threads.
 *
 * The relaxed-SIMD builds (asc --enable relaxed-simd, build/kindling*-relaxed.wasm) compile this
 * same file with one difference, in madd32/madd64 below: each multiply-add of the micro-kernels is
 * one `relaxed_madd`, which the engine turns into a fused multiply-add (FMA) where the CPU has one:
 * half the instructions, and a product that is not rounded before it is added. An FMA gives
 * the exact a·b + c rounded once where the multiply-then-add rounds twice, so results differ in
 * the last bits but the error bound of the sum (about K roundings of Σ|a||b|) only gets smaller.
 * Where the CPU has no FMA the engine emits the multiply and the add; either way every thread
 * runs the same instruction, so results still do not depend on the number of threads.
 */

import { storeTransposed4x4 } from './memory';

// float32 blocking: MR x NR register tile, KC x NC packed B block, MC-row A block
const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 1024;
// float64: 4 x 4 tile (2 f64x2 per row), same byte budget
const NR64: i32 = 4;
const NC64: i32 = 512;

/** c + a·b per f32 lane: fused (one rounding) in the relaxed-SIMD build, multiply then add otherwise. */
// @ts-ignore: decorator
@inline
function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** c + a·b per f64 lane, as madd32. */
// @ts-ignore: decorator
@inline
function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

/** Bytes of scratch one thread needs for the packed blocks (the larger of the f32 and f64 needs) plus a spill tile. */
export function matmulScratchBytes(): i32 {
  return KC * NC * 4 + MC * KC * 8 + 256;
}

/** Rows of C in one unit of work (threads take runs of consecutive units: src/backend/wasm/threads.ts). */
export function matmulUnitRows(): i32 {
  return MC;
}

// ---- float32 ------------------------------------------------------------------------------------

/**
 * Packs B[k0:k0+kc, j0:j0+nc] into NR-wide panels: panel p holds, for each k, the NR values
 * B[k][j0 + p*NR .. +NR], zero-padded past the last column.
 */
function packB32(dst: usize, b: usize, sbk: i32, sbn: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  let p = 0;
  if (sbn == 1) {
    // rows of B are contiguous: copy 4 panels at a time, 32 floats (two whole cache lines) of each
    // row per k. One panel at a time uses half of each line it fetches, and by the time the next
    // panel comes back for the other half, kc rows later, the line is gone: packing a 1024 x 1024
    // B took 0.33 ms that way and takes 0.13 ms now, as fast as the transposed case below.
    for (; p + 4 * NR <= nc; p += 4 * NR) {
      const panel = dst + <usize>(p * kc) * 4;
      const ps = <usize>(NR * kc) * 4; // bytes from one panel to the next
      for (let k = 0; k < kc; k++) {
        const src = b + (<usize>(k0 + k) * sbk + j0 + p) * 4;
        const d = panel + <usize>(k * NR) * 4;
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        v128.store(d + ps, v128.load(src, 32));
        v128.store(d + ps, v128.load(src, 48), 16);
        v128.store(d + 2 * ps, v128.load(src, 64));
        v128.store(d + 2 * ps, v128.load(src, 80), 16);
        v128.store(d + 3 * ps, v128.load(src, 96));
        v128.store(d + 3 * ps, v128.load(src, 112), 16);
      }
    }
  }
  for (; p < nc; p += NR) {
    const w = min(NR, nc - p);
    const panel = dst + <usize>(p * kc) * 4;
    if (sbn == 1 && w == NR) {
      // rows of B are contiguous: copy 8 floats per k with two vector loads
      for (let k = 0; k < kc; k++) {
        const src = b + (<usize>(k0 + k) * sbk + j0 + p) * 4;
        v128.store(panel + <usize>(k * NR) * 4, v128.load(src));
        v128.store(panel + <usize>(k * NR) * 4, v128.load(src, 16), 16);
      }
    } else if (sbk == 1 && w == NR) {
      // transposed B (columns contiguous in k): read 4 k of each of the 8 columns, transpose in registers
      const col = b + (<usize>(j0 + p) * sbn + k0) * 4;
      const cs = <usize>sbn * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const c = col + <usize>k * 4;
        const dst = panel + <usize>(k * NR) * 4;
        storeTransposed4x4(v128.load(c), v128.load(c + cs), v128.load(c + 2 * cs), v128.load(c + 3 * cs), dst, NR * 4);
        storeTransposed4x4(v128.load(c + 4 * cs), v128.load(c + 5 * cs), v128.load(c + 6 * cs), v128.load(c + 7 * cs), dst + 16, NR * 4);
      }
      for (; k < kc; k++) {
        for (let jj = 0; jj < NR; jj++) store<f32>(panel + <usize>(k * NR + jj) * 4, load<f32>(col + (<usize>jj * sbn + k) * 4));
      }
    } else {
      // other strides: walk each column down k
      for (let jj = 0; jj < NR; jj++) {
        if (jj < w) {
          const col = b + <usize>(j0 + p + jj) * sbn * 4;
          for (let k = 0; k < kc; k++) store<f32>(panel + <usize>(k * NR + jj) * 4, load<f32>(col + <usize>(k0 + k) * sbk * 4));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(panel + <usize>(k * NR + jj) * 4, 0);
        }
      }
    }
  }
}

/** Packs A[i0:i0+mc, k0:k0+kc] into MR-tall panels: for each k, the MR values A[i0 + p*MR .. +MR][k], zero-padded. */
function packA32(dst: usize, a: usize, sam: i32, sak: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  for (let p = 0; p < mc; p += MR) {
    const h = min(MR, mc - p);
    const panel = dst + <usize>(p * kc) * 4;
    if (h == MR && sam == 1) {
      // transposed A: the MR values of a k are adjacent, one vector load per k
      const src = a + (<usize>(i0 + p) + <usize>k0 * sak) * 4;
      for (let k = 0; k < kc; k++) v128.store(panel + <usize>(k * MR) * 4, v128.load(src + <usize>k * sak * 4));
      continue;
    }
    if (h == MR && sak == 1) {
      // row-major A: read 4 k of each of the 4 rows, transpose in registers
      const row = a + (<usize>(i0 + p) * sam + k0) * 4;
      const rs = <usize>sam * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const r = row + <usize>k * 4;
        storeTransposed4x4(v128.load(r), v128.load(r + rs), v128.load(r + 2 * rs), v128.load(r + 3 * rs), panel + <usize>(k * MR) * 4, MR * 4);
      }
      for (; k < kc; k++) {
        for (let ii = 0; ii < MR; ii++) store<f32>(panel + <usize>(k * MR + ii) * 4, load<f32>(row + (<usize>ii * sam + k) * 4));
      }
      continue;
    }
    for (let ii = 0; ii < MR; ii++) {
      if (ii < h) {
        const row = a + <usize>(i0 + p + ii) * sam * 4;
        for (let k = 0; k < kc; k++) store<f32>(panel + <usize>(k * MR + ii) * 4, load<f32>(row + <usize>(k0 + k) * sak * 4));
      } else {
        for (let k = 0; k < kc; k++) store<f32>(panel + <usize>(k * MR + ii) * 4, 0);
      }
    }
  }
}

/**
 * The 4 x 8 micro-kernel: C[0:4, 0:8] (+)= Σ_k A[0:4, k] ⊗ B[k, 0:8] over one packed A panel
 * and one packed B panel (kc >= 1). `ldc` is C's row stride in bytes; `add` says whether to add
 * to C (later K blocks) or overwrite it (the first). The tile is written to C directly.
 */
// @ts-ignore: decorator
@inline
function kernel32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const aEnd = a + <usize>kc * 16;
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let ai = v128.load32_splat(a);
    c00 = madd32(ai, b0, c00);
    c01 = madd32(ai, b1, c01);
    ai = v128.load32_splat(a, 4);
    c10 = madd32(ai, b0, c10);
    c11 = madd32(ai, b1, c11);
    ai = v128.load32_splat(a, 8);
    c20 = madd32(ai, b0, c20);
    c21 = madd32(ai, b1, c21);
    ai = v128.load32_splat(a, 12);
    c30 = madd32(ai, b0, c30);
    c31 = madd32(ai, b1, c31);
    a += 16;
    b += 32;
  } while (a < aEnd);
  if (add) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/**
 * float32 batched matmul over the units [unitStart, unitEnd). C is cut into tiles of MC rows by
 * `nb` columns; unit u is tile (u % rowBlocks) of column block ((u / rowBlocks) % colBlocks) of
 * batch u / (rowBlocks * colBlocks), rows fastest so that consecutive units in one call (a whole
 * product on one thread, or the run of units a thread takes) share the packed B block: B is
 * packed once per call and K block, not once per unit. Strides count elements; pointers are
 * bytes. `scratch` is this thread's private packing area (matmulScratchBytes()).
 */
export function matmulF32(
  M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  out: usize, scratch: usize, nb: i32, unitStart: i32, unitEnd: i32,
): void {
  const rowBlocks = (M + MC - 1) / MC;
  const colBlocks = (N + nb - 1) / nb;
  const packedB = scratch;
  const packedA = scratch + <usize>(KC * NC) * 4;
  const tile = packedA + <usize>(MC * KC) * 8; // MR x NR spill tile for edge tiles
  const ldc = <usize>N * 4;
  let u = unitStart;
  while (u < unitEnd) {
    // the run of units sharing (batch, column block) with u
    const group = u / rowBlocks;
    const uEnd = min(unitEnd, (group + 1) * rowBlocks);
    const batch = group / colBlocks;
    const j0 = (group % colBlocks) * nb;
    const j1 = min(N, j0 + nb);
    const aBatch = a + <usize>batch * sab * 4;
    const bBatch = b + <usize>batch * sbb * 4;
    const cBatch = out + <usize>batch * M * N * 4;
    if (K == 0) {
      // an empty sum: C is all zeros
      for (let v = u; v < uEnd; v++) {
        const ic = (v % rowBlocks) * MC;
        for (let i = ic; i < min(M, ic + MC); i++) memory.fill(cBatch + (<usize>i * N + j0) * 4, 0, <usize>(j1 - j0) * 4);
      }
    }
    for (let jc = j0; jc < j1; jc += NC) {
      const nc = min(NC, j1 - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = min(KC, K - pc);
        packB32(packedB, bBatch, sbk, sbn, pc, kc, jc, nc);
        for (let v = u; v < uEnd; v++) {
          const ic = (v % rowBlocks) * MC;
          const mc = min(MC, M - ic);
          packA32(packedA, aBatch, sam, sak, ic, mc, pc, kc);
          for (let jr = 0; jr < nc; jr += NR) {
            const bPanel = packedB + <usize>(jr * kc) * 4;
            const nr = min(NR, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              const aPanel = packedA + <usize>(ir * kc) * 4;
              const mr = min(MR, mc - ir);
              const c = cBatch + (<usize>(ic + ir) * N + jc + jr) * 4;
              if (mr == MR && nr == NR) {
                kernel32(kc, aPanel, bPanel, c, ldc, pc > 0);
              } else {
                // edge tile: compute the full tile into scratch, then copy its valid part
                kernel32(kc, aPanel, bPanel, tile, NR * 4, false);
                for (let i = 0; i < mr; i++) {
                  for (let j = 0; j < nr; j++) {
                    const dst = c + (<usize>i * N + j) * 4;
                    const t = load<f32>(tile + <usize>(i * NR + j) * 4);
                    store<f32>(dst, pc > 0 ? t + load<f32>(dst) : t);
                  }
                }
              }
            }
          }
        }
      }
    }
    u = uEnd;
  }
}

// ---- float64 ------------------------------------------------------------------------------------

/** Packs B into NR64-wide panels of float64 (as packB32). */
function packB64(dst: usize, b: usize, sbk: i32, sbn: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let p = 0; p < nc; p += NR64) {
    const w = min(NR64, nc - p);
    const panel = dst + <usize>(p * kc) * 8;
    for (let jj = 0; jj < NR64; jj++) {
      if (jj < w) {
        const col = b + <usize>(j0 + p + jj) * sbn * 8;
        for (let k = 0; k < kc; k++) store<f64>(panel + <usize>(k * NR64 + jj) * 8, load<f64>(col + <usize>(k0 + k) * sbk * 8));
      } else {
        for (let k = 0; k < kc; k++) store<f64>(panel + <usize>(k * NR64 + jj) * 8, 0);
      }
    }
  }
}

/** Packs A into MR-tall panels of float64 (as packA32). */
function packA64(dst: usize, a: usize, sam: i32, sak: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  for (let p = 0; p < mc; p += MR) {
    const h = min(MR, mc - p);
    const panel = dst + <usize>(p * kc) * 8;
    for (let ii = 0; ii < MR; ii++) {
      if (ii < h) {
        const row = a + <usize>(i0 + p + ii) * sam * 8;
        for (let k = 0; k < kc; k++) store<f64>(panel + <usize>(k * MR + ii) * 8, load<f64>(row + <usize>(k0 + k) * sak * 8));
      } else {
        for (let k = 0; k < kc; k++) store<f64>(panel + <usize>(k * MR + ii) * 8, 0);
      }
    }
  }
}

/** The float64 4 x 4 micro-kernel: 8 f64x2 accumulators, 2 B vectors and 4 broadcasts of A per k. */
// @ts-ignore: decorator
@inline
function kernel64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const aEnd = a + <usize>kc * 32;
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let ai = v128.load64_splat(a);
    c00 = madd64(ai, b0, c00);
    c01 = madd64(ai, b1, c01);
    ai = v128.load64_splat(a, 8);
    c10 = madd64(ai, b0, c10);
    c11 = madd64(ai, b1, c11);
    ai = v128.load64_splat(a, 16);
    c20 = madd64(ai, b0, c20);
    c21 = madd64(ai, b1, c21);
    ai = v128.load64_splat(a, 24);
    c30 = madd64(ai, b0, c30);
    c31 = madd64(ai, b1, c31);
    a += 32;
    b += 32;
  } while (a < aEnd);
  if (add) {
    c00 = f64x2.add(c00, v128.load(c));
    c01 = f64x2.add(c01, v128.load(c, 16));
    c10 = f64x2.add(c10, v128.load(c + ldc));
    c11 = f64x2.add(c11, v128.load(c + ldc, 16));
    c20 = f64x2.add(c20, v128.load(c + 2 * ldc));
    c21 = f64x2.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f64x2.add(c30, v128.load(c + 3 * ldc));
    c31 = f64x2.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

/**
 * float64 batched matmul over the units [unitStart, unitEnd). C is cut into tiles of MC rows by
 * `nb` columns; unit u is tile (u % rowBlocks) of column block ((u / rowBlocks) % colBlocks) of
 * batch u / (rowBlocks * colBlocks), rows fastest so that consecutive units in one call (a whole
 * product on one thread, or the run of units a thread takes) share the packed B block: B is
 * packed once per call and K block, not once per unit. Strides count elements; pointers are
 * bytes. `scratch` is this thread's private packing area (matmulScratchBytes()).
 */
export function matmulF64(
  M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  out: usize, scratch: usize, nb: i32, unitStart: i32, unitEnd: i32,
): void {
  const rowBlocks = (M + MC - 1) / MC;
  const colBlocks = (N + nb - 1) / nb;
  const packedB = scratch;
  const packedA = scratch + <usize>(KC * NC64) * 8;
  const tile = packedA + <usize>(MC * KC) * 8; // MR x NR spill tile for edge tiles
  const ldc = <usize>N * 8;
  let u = unitStart;
  while (u < unitEnd) {
    // the run of units sharing (batch, column block) with u
    const group = u / rowBlocks;
    const uEnd = min(unitEnd, (group + 1) * rowBlocks);
    const batch = group / colBlocks;
    const j0 = (group % colBlocks) * nb;
    const j1 = min(N, j0 + nb);
    const aBatch = a + <usize>batch * sab * 8;
    const bBatch = b + <usize>batch * sbb * 8;
    const cBatch = out + <usize>batch * M * N * 8;
    if (K == 0) {
      // an empty sum: C is all zeros
      for (let v = u; v < uEnd; v++) {
        const ic = (v % rowBlocks) * MC;
        for (let i = ic; i < min(M, ic + MC); i++) memory.fill(cBatch + (<usize>i * N + j0) * 8, 0, <usize>(j1 - j0) * 8);
      }
    }
    for (let jc = j0; jc < j1; jc += NC64) {
      const nc = min(NC64, j1 - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = min(KC, K - pc);
        packB64(packedB, bBatch, sbk, sbn, pc, kc, jc, nc);
        for (let v = u; v < uEnd; v++) {
          const ic = (v % rowBlocks) * MC;
          const mc = min(MC, M - ic);
          packA64(packedA, aBatch, sam, sak, ic, mc, pc, kc);
          for (let jr = 0; jr < nc; jr += NR64) {
            const bPanel = packedB + <usize>(jr * kc) * 8;
            const nr = min(NR64, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              const aPanel = packedA + <usize>(ir * kc) * 8;
              const mr = min(MR, mc - ir);
              const c = cBatch + (<usize>(ic + ir) * N + jc + jr) * 8;
              if (mr == MR && nr == NR64) {
                kernel64(kc, aPanel, bPanel, c, ldc, pc > 0);
              } else {
                // edge tile: compute the full tile into scratch, then copy its valid part
                kernel64(kc, aPanel, bPanel, tile, NR64 * 8, false);
                for (let i = 0; i < mr; i++) {
                  for (let j = 0; j < nr; j++) {
                    const dst = c + (<usize>i * N + j) * 8;
                    const t = load<f64>(tile + <usize>(i * NR64 + j) * 8);
                    store<f64>(dst, pc > 0 ? t + load<f64>(dst) : t);
                  }
                }
              }
            }
          }
        }
      }
    }
    u = uEnd;
  }
}

// ---- int32 --------------------------------------------------------------------------------------

/**
 * int32 batched matmul: out[i][j] = Σ_k a[i][k] · b[k][j] with 32-bit wrap-around (the exact sum
 * modulo 2³², which is what the reference's double accumulation followed by `| 0` gives), looping
 * i, k, j so the inner loop walks rows of b and of out. Integer matmul is rare; no blocking.
 */
export function matmulI32(
  M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  out: usize, scratch: usize, nb: i32, unitStart: i32, unitEnd: i32,
): void {
  const rowBlocks = (M + MC - 1) / MC;
  const colBlocks = (N + nb - 1) / nb;
  for (let u = unitStart; u < unitEnd; u++) {
    const group = u / rowBlocks;
    const batch = group / colBlocks;
    const j0 = (group % colBlocks) * nb;
    const j1 = min(N, j0 + nb);
    const i0 = (u % rowBlocks) * MC;
    const i1 = min(M, i0 + MC);
    for (let i = i0; i < i1; i++) {
      const c = out + (<usize>(batch * M + i) * N) * 4;
      for (let j = j0; j < j1; j++) store<i32>(c + <usize>j * 4, 0);
      for (let k = 0; k < K; k++) {
        const aik = load<i32>(a + (<usize>batch * sab + <usize>i * sam + <usize>k * sak) * 4);
        const row = b + (<usize>batch * sbb + <usize>k * sbk) * 4;
        for (let j = j0; j < j1; j++) {
          const p = c + <usize>j * 4;
          store<i32>(p, load<i32>(p) + aik * load<i32>(row + <usize>j * sbn * 4));
        }
      }
    }
  }
}
