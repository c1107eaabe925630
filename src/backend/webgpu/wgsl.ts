/**
 * WGSL shared by every webgpu kernel: how each dtype is stored, the parameter block, the bit-level
 * float tests, and the conversions between dtypes that match the `js` reference exactly.
 *
 * Storage: float32 is `f32`, int32 is `i32`, and bool is `u32` holding 0 or 1 (4 bytes an element:
 * WGSL has no 8-bit storage type, and packing 32 bools to a word would make every write a
 * read-modify-write that races between threads).
 *
 * Why the float tests look at bits: WGSL lets a compiler assume that no value is NaN or infinite
 * ("finite math"), so `x != x` may fold to false. Testing the exponent bits cannot be folded away,
 * and NaN/inf constants are made at run time from a private variable for the same reason (a
 * constant expression that evaluates to NaN or inf is a shader-creation error in WGSL).
 */
import { indexCheckMessage } from '../backend.js';
import type { DType } from '../../dtype.js';

/** The dtypes webgpu stores (WGSL has no 64-bit float). */
export type GpuDType = 'float32' | 'int32' | 'bool';

/** The WGSL element type of each dtype's storage. */
export const storageType: Record<GpuDType, WgslScalar> = { float32: 'f32', int32: 'i32', bool: 'u32' };

/** The WGSL scalar types kernels store and compute in. */
export type WgslScalar = 'f32' | 'i32' | 'u32';

/** The WGSL type arithmetic on a dtype happens in: bools compute as 0/1 floats (as `js` does with numbers). */
export const computeType: Record<GpuDType, 'f32' | 'i32'> = { float32: 'f32', int32: 'i32', bool: 'f32' };

/** The error every float64 request gets. */
export function float64Error(what: string): TypeError {
  return new TypeError(
    `webgpu has no float64 (WGSL has no 64-bit floats): ${what}; use float32 on webgpu, or the js or wasm device for float64`,
  );
}

/** Narrows a dtype to one webgpu stores, or throws the float64 error. */
export function gpuDType(dtype: DType, what = 'cannot hold a float64 tensor'): GpuDType {
  if (dtype === 'float64') throw float64Error(what);
  return dtype;
}

/**
 * A WGSL expression converting `expr`, a value of `from`'s storage or compute type, to `to`'s type.
 * The conversions are the reference's: to int32 truncates toward zero and wraps modulo 2^32 (NaN
 * and ±inf give 0, JavaScript's ToInt32); to bool is "not zero" (NaN is true, as in C).
 */
export function convert(expr: string, from: WgslScalar, to: WgslScalar, toBool = false): string {
  if (toBool) return from === 'f32' ? `boolOfF32(${expr})` : `u32(${expr} != ${from === 'i32' ? '0' : '0u'})`;
  if (from === to) return expr;
  if (to === 'f32') return `f32(${expr})`;
  if (to === 'i32') return from === 'f32' ? `toInt32(${expr})` : `i32(${expr})`;
  return from === 'f32' ? `u32(toInt32(${expr}))` : `u32(${expr})`;
}

/** The largest number of (merged) dims a kernel indexes; views collapse to fewer (see layout.ts). */
export const MAX_DIMS = 8;

/**
 * The common header: the parameter block at binding 0 and the helpers. Each dispatch gets 64
 * 32-bit parameters (shapes, strides, offsets, sizes) in a 256-byte slice of one uniform buffer
 * that holds the parameters of a whole batch of dispatches (see context.ts).
 */
export const header = /* wgsl */ `
struct Params { v: array<vec4<i32>, 16> }
@group(0) @binding(0) var<uniform> P: Params;

/** Parameter i as a signed / unsigned integer. */
fn prm(i: u32) -> i32 { return P.v[i >> 2u][i & 3u]; }
fn prmu(i: u32) -> u32 { return u32(P.v[i >> 2u][i & 3u]); }

var<private> QNAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NEG_ZERO_BITS: u32 = 0x80000000u;
fn qnan() -> f32 { return bitcast<f32>(QNAN_BITS); }
fn posInf() -> f32 { return bitcast<f32>(INF_BITS); }
/** −0 (a literal -0.0 may lose its sign on the way through the compiler). */
fn negZero() -> f32 { return bitcast<f32>(NEG_ZERO_BITS); }
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn signBit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
/** ±inf with the sign of s. */
fn signedInf(negative: bool) -> f32 { return select(posInf(), -posInf(), negative); }

/** bool(x) for a float: anything but ±0 is true, NaN included. */
fn boolOfF32(x: f32) -> u32 { return u32((bitcast<u32>(x) & 0x7fffffffu) != 0u); }

/**
 * JavaScript's ToInt32, which the reference applies when it stores a number in an Int32Array:
 * truncate toward zero, then wrap modulo 2^32; NaN and ±inf become 0. WGSL's i32(f) would clamp.
 * For |t| >= 2^31, t is a multiple of 2^8, so t mod 2^32 is exact in f32.
 */
fn toInt32(x: f32) -> i32 {
  if (isNan(x) || isInf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let m = t - floor(t / 4294967296.0) * 4294967296.0; // in [0, 2^32)
  return bitcast<i32>(u32(m));
}

/**
 * The storage offset of element i (row-major order) of a strided view whose nd sizes are
 * parameters shapes…shapes+nd and strides strides…strides+nd: i's coordinates are peeled off from
 * the last dim.
 */
fn stridedOffset(i: u32, offset: i32, nd: u32, shapes: u32, strides: u32) -> i32 {
  var rem = i;
  var off = offset;
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(shapes + d);
    off += i32(rem % size) * prm(strides + d);
    rem = rem / size;
  }
  return off;
}

/** The linear thread index of a 1-D launch spread over a 2-D grid of 256-thread workgroups. */
fn linearIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 { return (wid.y * nwg.x + wid.x) * 256u + lid; }
`;

/** A storage-buffer declaration of a kernel (see `bindingsWgsl` for where each goes). */
export interface Binding {
  name: string;
  /** WGSL element type, e.g. `f32` or `atomic<u32>`. */
  type: string;
  access: 'read' | 'read_write';
}

/** Storage buffers a kernel may bind: one in group 0 beside the parameters, one in each of groups 1–3. */
export const MAX_BINDINGS = 4;

/**
 * The declarations of a kernel's storage buffers: the first at binding 1 of group 0 (after the
 * parameters, before the error buffer), each later one alone in a group of its own, 1, 2 and 3 —
 * so that a bind group depends on one buffer only (context.ts says why).
 */
export function bindingsWgsl(bindings: readonly Binding[]): string {
  return bindings.map((b, i) => `@group(${i}) @binding(${i === 0 ? 1 : 0}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`).join('\n');
}

/**
 * The error a kernel can report, read back with the next `read` (GPU work cannot throw): the first
 * error wins, its code and three details land in a 4-word buffer at binding 2 of group 0.
 */
export const errorWgsl = /* wgsl */ `
@group(0) @binding(2) var<storage, read_write> errs: array<atomic<u32>, 4>;
fn report(code: u32, a: i32, b: i32, c: i32) {
  loop {
    let r = atomicCompareExchangeWeak(&errs[0], 0u, code);
    if (r.exchanged) {
      atomicStore(&errs[1], bitcast<u32>(a));
      atomicStore(&errs[2], bitcast<u32>(b));
      atomicStore(&errs[3], bitcast<u32>(c));
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}
`;

/**
 * Error codes of `report`, and the messages they become (the reference's words). The index codes
 * are those of the index checks (`IndexCheck` in backend.ts), reported with (value, dim or ignore, size).
 */
export const ErrorCode = { intDivZero: 1, intModZero: 2, negativeIntPower: 3, indexOutOfBounds: 4, indexOutOfRange: 5, classOutOfRange: 6, targetOutOfBounds: 7 } as const;

export function errorMessage(code: number, a: number, b: number, c: number): string {
  switch (code) {
    case ErrorCode.intDivZero:
      return 'ZeroDivisionError: integer division by zero';
    case ErrorCode.intModZero:
      return 'ZeroDivisionError: integer modulo by zero';
    case ErrorCode.negativeIntPower:
      return 'Integers to negative integer powers are not allowed.';
    case ErrorCode.indexOutOfBounds:
      return indexCheckMessage({ kind: 'dim', dim: b, size: c }, a);
    case ErrorCode.indexOutOfRange:
      return indexCheckMessage({ kind: 'select', size: c }, a);
    case ErrorCode.classOutOfRange:
      return indexCheckMessage({ kind: 'class', size: c }, a);
    case ErrorCode.targetOutOfBounds:
      return indexCheckMessage({ kind: 'target', size: c, ignore: b }, a);
    default:
      return `webgpu kernel reported error code ${code}`;
  }
}
