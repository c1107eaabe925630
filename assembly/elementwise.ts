/**
 * Elementwise kernels: `unary`, `binary` (inputs already broadcast: a broadcast dim has stride 0)
 * and `where`. Outputs are new contiguous storages, except that `binary` also writes into an
 * existing view for in-place ops (Backend.binaryInto).
 *
 * Each kernel walks its views row by row (see memory.ts). A row whose operands are contiguous
 * (stride 1) or broadcast (stride 0) runs a SIMD loop for the common float ops (4 float32 or 2
 * float64 lanes per instruction); everything else runs a scalar loop that computes in float64
 * with exactly the reference backend's formulas (src/backend/js/index.ts) and stores with the
 * typed-array conversion, so results match the reference bit for bit apart from the last ulp of
 * transcendental functions (exp, log, sin, …), whose float64 implementations differ slightly.
 */
import { BOOL, F32, F64, I32, loadF64, nextRow, offsetOf, rowCount, rowLength, sizeOf, storeF64, strideOf } from './memory';

// Op codes, in the order of UnaryOp and BinaryOp in src/backend/backend.ts. They are `@inline`
// so that every use is a literal: the SIMD rows below are written once for any op and compiled
// once per (op, mode) by passing them literal codes, and asc folds `op == ADD` at compile time
// only when it sees a literal. As plain globals they reached Binaryen as look-ups, which merged
// the specialised loops back into one that computed every op for every vector (add, then sub,
// mul and div too) and picked one: a float32 `mul` took twice as long as an `add`.
// @ts-ignore: decorator
@inline const NEG = 0, ABS = 1, SIGN = 2, EXP = 3, LOG = 4, SQRT = 5, RSQRT = 6, SIN = 7, COS = 8, TANH = 9;
// @ts-ignore: decorator
@inline const SIGMOID = 10, RELU = 11, FLOOR = 12, CEIL = 13, ROUND = 14, TRUNC = 15, LOGICAL_NOT = 16;

// @ts-ignore: decorator
@inline const ADD = 0, SUB = 1, MUL = 2, DIV = 3, FLOOR_DIVIDE = 4, REMAINDER = 5, POW = 6, MAXIMUM = 7, MINIMUM = 8;
// @ts-ignore: decorator
@inline const EQ = 9, NE = 10, LT = 11, LE = 12, GT = 13, GE = 14, LOGICAL_AND = 15, LOGICAL_OR = 16, LOGICAL_XOR = 17;

// status codes returned to TypeScript, which throws the reference's errors
export const OK = 0;
export const INT_DIVIDE_BY_ZERO = 1;
export const INT_MODULO_BY_ZERO = 2;
export const INT_NEGATIVE_POWER = 3;

// ---- scalar formulas (the reference's, in float64) ----------------------------------------------

function unaryF64(op: i32, x: f64): f64 {
  switch (op) {
    case NEG: return -x;
    case ABS: return abs(x);
    case SIGN: return x > 0 ? 1 : x < 0 ? -1 : x; // sign(0) = 0, sign(NaN) = NaN
    case EXP: return Math.exp(x);
    case LOG: return Math.log(x);
    case SQRT: return sqrt(x);
    case RSQRT: return 1 / sqrt(x);
    case SIN: return Math.sin(x);
    case COS: return Math.cos(x);
    case TANH: return Math.tanh(x);
    case SIGMOID: return 1 / (1 + Math.exp(-x)); // σ(x) = 1 / (1 + e^-x)
    case RELU: return x > 0 ? x : x == x ? 0 : x; // NaN stays NaN
    case FLOOR: return floor(x);
    case CEIL: return ceil(x);
    case ROUND: return nearest(x); // wasm's `nearest` rounds halves to even, like PyTorch
    case TRUNC: return trunc(x);
    case LOGICAL_NOT: return x == 0 ? 1 : 0;
  }
  return x;
}

/** Python's floor division for floats, from the exact remainder fmod(a, b) (see pyFloorDivide in the reference). */
function pyFloorDivide(a: f64, b: f64): f64 {
  if (b == 0) return a / b;
  const mod = a % b; // fmod, exact
  let div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return Math.sign(a / b) * 0; // a signed zero
  const floored = floor(div);
  return div - floored > 0.5 ? floored + 1 : floored;
}

/** Python's modulo: the result takes the divisor's sign. */
// @ts-ignore: decorator
@inline
function pyRemainder(a: f64, b: f64): f64 {
  const r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/** C's pow: 1 to any power, and -1 to ±inf, are 1. */
function cPow(a: f64, b: f64): f64 {
  if (a == 1 || (a == -1 && abs(b) == Infinity)) return 1;
  return Math.pow(a, b);
}

function binaryF64(op: i32, a: f64, b: f64): f64 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case FLOOR_DIVIDE: return pyFloorDivide(a, b);
    case REMAINDER: return pyRemainder(a, b);
    case POW: return cPow(a, b);
    case MAXIMUM: return a != a || b != b ? NaN : a > b ? a : b; // NaN propagates
    case MINIMUM: return a != a || b != b ? NaN : a < b ? a : b;
    case EQ: return a == b ? 1 : 0;
    case NE: return a != b ? 1 : 0;
    case LT: return a < b ? 1 : 0;
    case LE: return a <= b ? 1 : 0;
    case GT: return a > b ? 1 : 0;
    case GE: return a >= b ? 1 : 0;
    case LOGICAL_AND: return a != 0 && b != 0 ? 1 : 0;
    case LOGICAL_OR: return a != 0 || b != 0 ? 1 : 0;
    case LOGICAL_XOR: return (a != 0) != (b != 0) ? 1 : 0;
  }
  return 0;
}

/** a^b for int32 by square-and-multiply with 32-bit wrap-around (b ≥ 0; the caller checks). */
function intPow(a: i32, b: i32): i32 {
  let r = 1;
  let base = a;
  for (let e = b; e > 0; e >>>= 1) {
    if (e & 1) r *= base;
    base *= base;
  }
  return r;
}

export function isComparison(op: i32): bool {
  return op >= EQ;
}

// ---- SIMD rows ----------------------------------------------------------------------------------

/** One SIMD step of a float binary op; `op` is a constant at every call site, so the switch folds away. */
// @ts-ignore: decorator
@inline
function vop32(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  // maximum/minimum as the reference: a > b ? a : b, then NaN wherever either is NaN (a + b is NaN there)
  const pick = op == MAXIMUM ? v128.bitselect(a, b, f32x4.gt(a, b)) : v128.bitselect(a, b, f32x4.lt(a, b));
  const nan = v128.or(f32x4.ne(a, a), f32x4.ne(b, b));
  return v128.bitselect(f32x4.add(a, b), pick, nan);
}

// @ts-ignore: decorator
@inline
function vop64(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f64x2.add(a, b);
  if (op == SUB) return f64x2.sub(a, b);
  if (op == MUL) return f64x2.mul(a, b);
  if (op == DIV) return f64x2.div(a, b);
  const pick = op == MAXIMUM ? v128.bitselect(a, b, f64x2.gt(a, b)) : v128.bitselect(a, b, f64x2.lt(a, b));
  const nan = v128.or(f64x2.ne(a, a), f64x2.ne(b, b));
  return v128.bitselect(f64x2.add(a, b), pick, nan);
}

// @ts-ignore: decorator
@inline
function sop32(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (a != a || b != b) return NaN;
  return op == MAXIMUM ? (a > b ? a : b) : a < b ? a : b;
}

// @ts-ignore: decorator
@inline
function sop64(op: i32, a: f64, b: f64): f64 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (a != a || b != b) return NaN;
  return op == MAXIMUM ? (a > b ? a : b) : a < b ? a : b;
}

/**
 * A float row of `op` (dtype `dt`: float32 or float64) where each operand is contiguous (mode
 * bit set) or one broadcast value: mode 3 = both contiguous, 1 = only a, 2 = only b. For add and
 * sub, b is first scaled by `alpha` (`a + alpha·b`) and rounded to the dtype, as a separate
 * multiply would store it; alpha = 1 changes nothing (b · 1 is b exactly), so plain add and sub
 * take this path too. Two vectors a step: 8 float32s or 4 float64s.
 */
// @ts-ignore: decorator
@inline
function floatRow(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize, alpha: f64): void {
  const scaled = op == ADD || op == SUB;
  const f32 = dt == F32;
  const z: usize = f32 ? 4 : 8;
  const scale = f32 ? f32x4.splat(<f32>alpha) : f64x2.splat(alpha);
  const sa = f32 ? v128.load32_splat(pa) : v128.load64_splat(pa);
  const sb = f32 ? v128.load32_splat(pb) : v128.load64_splat(pb);
  const vectors = n & (f32 ? ~7 : ~3);
  if (vectors > 0) {
    // One pointer walks the output and the operands sit at fixed distances from it (wrapping
    // 32-bit sums), tested at the loop's end: fewer instructions a vector than indexing three
    // arrays by a counter, which ran add of 2^20 float32s at 70-74 GB/s against 79-81 this way.
    let p = po;
    const end = po + <usize>vectors * z;
    const da = pa - po, db = pb - po;
    do {
      const a0 = mode & 1 ? v128.load(p + da) : sa;
      const a1 = mode & 1 ? v128.load(p + da, 16) : sa;
      const b0 = mode & 2 ? v128.load(p + db) : sb;
      const b1 = mode & 2 ? v128.load(p + db, 16) : sb;
      if (f32) {
        v128.store(p, vop32(op, a0, scaled ? f32x4.mul(b0, scale) : b0));
        v128.store(p, vop32(op, a1, scaled ? f32x4.mul(b1, scale) : b1), 16);
      } else {
        v128.store(p, vop64(op, a0, scaled ? f64x2.mul(b0, scale) : b0));
        v128.store(p, vop64(op, a1, scaled ? f64x2.mul(b1, scale) : b1), 16);
      }
      p += 32;
    } while (p < end);
  }
  for (let i = vectors; i < n; i++) {
    const ia = pa + (mode & 1 ? <usize>i * z : 0);
    const ib = pb + (mode & 2 ? <usize>i * z : 0);
    if (f32) store<f32>(po + <usize>i * 4, sop32(op, load<f32>(ia), scaled ? load<f32>(ib) * <f32>alpha : load<f32>(ib)));
    else store<f64>(po + <usize>i * 8, sop64(op, load<f64>(ia), scaled ? load<f64>(ib) * alpha : load<f64>(ib)));
  }
}

/** int32 add/sub/mul with wrap-around, 4 lanes at a time (add and sub scale b by an integral alpha first, wrapping too). */
// @ts-ignore: decorator
@inline
function rowI32(op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize, alpha: f64): void {
  const k = <i32>alpha;
  const scale = i32x4.splat(k);
  const sa = i32x4.splat(load<i32>(pa));
  const sb = i32x4.splat(load<i32>(pb));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const a = mode & 1 ? v128.load(pa + o) : sa;
    const b = mode & 2 ? v128.load(pb + o) : sb;
    v128.store(po + o, op == ADD ? i32x4.add(a, i32x4.mul(b, scale)) : op == SUB ? i32x4.sub(a, i32x4.mul(b, scale)) : i32x4.mul(a, b));
  }
  for (; i < n; i++) {
    const a = load<i32>(pa + (mode & 1 ? <usize>i * 4 : 0));
    const b = load<i32>(pb + (mode & 2 ? <usize>i * 4 : 0));
    store<i32>(po + <usize>i * 4, op == ADD ? a + b * k : op == SUB ? a - b * k : a * b);
  }
}

/** A float32/int32 comparison of 4 lanes: all-ones where true (NaN compares false, except `ne`). */
// @ts-ignore: decorator
@inline
function vcmp(dt: i32, op: i32, a: v128, b: v128): v128 {
  if (dt == F32) {
    if (op == EQ) return f32x4.eq(a, b);
    if (op == NE) return f32x4.ne(a, b);
    if (op == LT) return f32x4.lt(a, b);
    if (op == LE) return f32x4.le(a, b);
    if (op == GT) return f32x4.gt(a, b);
    return f32x4.ge(a, b);
  }
  if (op == EQ) return i32x4.eq(a, b);
  if (op == NE) return i32x4.ne(a, b);
  if (op == LT) return i32x4.lt_s(a, b);
  if (op == LE) return i32x4.le_s(a, b);
  if (op == GT) return i32x4.gt_s(a, b);
  return i32x4.ge_s(a, b);
}

/**
 * A comparison row of float32 or int32 writing bools: 16 elements per step, four 4-lane masks
 * narrowed (i32 → i16 → i8) into 16 bytes of 0 or 1.
 */
// @ts-ignore: decorator
@inline
function cmpRow(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize): void {
  const sa = v128.load32_splat(pa);
  const sb = v128.load32_splat(pb);
  const one = i8x16.splat(1);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i * 4;
    const m0 = vcmp(dt, op, mode & 1 ? v128.load(pa + o) : sa, mode & 2 ? v128.load(pb + o) : sb);
    const m1 = vcmp(dt, op, mode & 1 ? v128.load(pa + o, 16) : sa, mode & 2 ? v128.load(pb + o, 16) : sb);
    const m2 = vcmp(dt, op, mode & 1 ? v128.load(pa + o, 32) : sa, mode & 2 ? v128.load(pb + o, 32) : sb);
    const m3 = vcmp(dt, op, mode & 1 ? v128.load(pa + o, 48) : sa, mode & 2 ? v128.load(pb + o, 48) : sb);
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(po + <usize>i, v128.and(bytes, one));
  }
  for (; i < n; i++) {
    const a = dt == F32 ? <f64>load<f32>(pa + (mode & 1 ? <usize>i * 4 : 0)) : <f64>load<i32>(pa + (mode & 1 ? <usize>i * 4 : 0));
    const b = dt == F32 ? <f64>load<f32>(pb + (mode & 2 ? <usize>i * 4 : 0)) : <f64>load<i32>(pb + (mode & 2 ? <usize>i * 4 : 0));
    store<u8>(po + <usize>i, <u8>binaryF64(op, a, b));
  }
}

function simdCompareRow(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize): void {
  // mode and dtype passed on as literals, so that each inlined loop is compiled for constants
  if (dt == F32) {
    if (mode == 3) compareRows(F32, op, 3, n, pa, pb, po);
    else if (mode == 1) compareRows(F32, op, 1, n, pa, pb, po);
    else compareRows(F32, op, 2, n, pa, pb, po);
  } else {
    if (mode == 3) compareRows(I32, op, 3, n, pa, pb, po);
    else if (mode == 1) compareRows(I32, op, 1, n, pa, pb, po);
    else compareRows(I32, op, 2, n, pa, pb, po);
  }
}

/** cmpRow for a runtime `op`: one loop per comparison, each compiled for its constant op. */
// @ts-ignore: decorator
@inline
function compareRows(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize): void {
  if (op == EQ) cmpRow(dt, EQ, mode, n, pa, pb, po);
  else if (op == NE) cmpRow(dt, NE, mode, n, pa, pb, po);
  else if (op == LT) cmpRow(dt, LT, mode, n, pa, pb, po);
  else if (op == LE) cmpRow(dt, LE, mode, n, pa, pb, po);
  else if (op == GT) cmpRow(dt, GT, mode, n, pa, pb, po);
  else cmpRow(dt, GE, mode, n, pa, pb, po);
}

/** Runs the SIMD row for (dtype, op, mode) if there is one; false when the scalar loop must do it. */
function simdBinaryRow(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize, alpha: f64): bool {
  if (mode == 0) return false;
  if ((dt == F32 || dt == I32) && op >= EQ && op <= GE) {
    simdCompareRow(dt, op, mode, n, pa, pb, po);
    return true;
  }
  if (dt == F32 && op <= MINIMUM && (op <= DIV || op >= MAXIMUM)) {
    if (mode == 3) floatRows(F32, op, 3, n, pa, pb, po, alpha);
    else if (mode == 1) floatRows(F32, op, 1, n, pa, pb, po, alpha);
    else floatRows(F32, op, 2, n, pa, pb, po, alpha);
    return true;
  }
  if (dt == F64 && op <= MINIMUM && (op <= DIV || op >= MAXIMUM)) {
    if (mode == 3) floatRows(F64, op, 3, n, pa, pb, po, alpha);
    else if (mode == 1) floatRows(F64, op, 1, n, pa, pb, po, alpha);
    else floatRows(F64, op, 2, n, pa, pb, po, alpha);
    return true;
  }
  if (dt == I32 && op <= MUL) {
    if (mode == 3) intRows(op, 3, n, pa, pb, po, alpha);
    else if (mode == 1) intRows(op, 1, n, pa, pb, po, alpha);
    else intRows(op, 2, n, pa, pb, po, alpha);
    return true;
  }
  return false;
}

/** floatRow for a runtime `op`: one loop per op, each compiled for its constant op. */
// @ts-ignore: decorator
@inline
function floatRows(dt: i32, op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize, alpha: f64): void {
  if (op == ADD) floatRow(dt, ADD, mode, n, pa, pb, po, alpha);
  else if (op == SUB) floatRow(dt, SUB, mode, n, pa, pb, po, alpha);
  else if (op == MUL) floatRow(dt, MUL, mode, n, pa, pb, po, alpha);
  else if (op == DIV) floatRow(dt, DIV, mode, n, pa, pb, po, alpha);
  else if (op == MAXIMUM) floatRow(dt, MAXIMUM, mode, n, pa, pb, po, alpha);
  else floatRow(dt, MINIMUM, mode, n, pa, pb, po, alpha);
}

/** rowI32 for a runtime `op` (add, sub or mul). */
// @ts-ignore: decorator
@inline
function intRows(op: i32, mode: i32, n: i32, pa: usize, pb: usize, po: usize, alpha: f64): void {
  if (op == ADD) rowI32(ADD, mode, n, pa, pb, po, alpha);
  else if (op == SUB) rowI32(SUB, mode, n, pa, pb, po, alpha);
  else rowI32(MUL, mode, n, pa, pb, po, alpha);
}

/**
 * alpha·b for add and sub, rounded to dtype `dt` as a separate multiply would store it (int32
 * wraps); b itself for the other ops.
 */
// @ts-ignore: decorator
@inline
function scaledOperand(op: i32, dt: i32, b: f64, alpha: f64): f64 {
  if (op != ADD && op != SUB) return b;
  if (dt == F32) return <f64>(<f32>b * <f32>alpha);
  if (dt == I32) return <f64>(<i32>b * <i32>alpha);
  return b * alpha;
}

/** The scalar row: any dtype, any op, any strides (so: the output's). Returns a status code (int32 errors). */
function scalarBinaryRow(op: i32, dt: i32, ot: i32, n: i32, pa: usize, sa: i32, pb: usize, sb: i32, po: usize, so: i32, alpha: f64): i32 {
  const z = sizeOf(dt);
  const oz = sizeOf(ot);
  if (dt == I32 && (op == MUL || op == FLOOR_DIVIDE || op == REMAINDER || op == POW)) {
    // integer arithmetic a double does not do exactly: 32-bit multiply, and division by zero
    for (let i = 0; i < n; i++) {
      const a = load<i32>(pa + <usize>(i * sa) * 4);
      const b = load<i32>(pb + <usize>(i * sb) * 4);
      let r: i32;
      if (op == MUL) r = a * b;
      else if (op == POW) {
        if (b < 0) return INT_NEGATIVE_POWER;
        r = intPow(a, b);
      } else {
        if (b == 0) return op == FLOOR_DIVIDE ? INT_DIVIDE_BY_ZERO : INT_MODULO_BY_ZERO;
        const fa = <f64>a, fb = <f64>b;
        r = op == FLOOR_DIVIDE ? toI32Wrap(floor(fa / fb)) : <i32>pyRemainder(fa, fb);
      }
      store<i32>(po + <usize>(i * so) * 4, r);
    }
    return OK;
  }
  if (dt == F32 && ot == F32) {
    // strided float32 (a transposed operand): the same formulas without the per-element dtype dispatch
    for (let i = 0; i < n; i++) {
      const a = <f64>load<f32>(pa + <usize>(i * sa) * 4);
      const b = <f64>load<f32>(pb + <usize>(i * sb) * 4);
      store<f32>(po + <usize>(i * so) * 4, <f32>binaryF64(op, a, scaledOperand(op, F32, b, alpha)));
    }
    return OK;
  }
  if (dt == F64 && ot == F64) {
    for (let i = 0; i < n; i++) {
      const b = load<f64>(pb + <usize>(i * sb) * 8);
      store<f64>(po + <usize>(i * so) * 8, binaryF64(op, load<f64>(pa + <usize>(i * sa) * 8), scaledOperand(op, F64, b, alpha)));
    }
    return OK;
  }
  for (let i = 0; i < n; i++) {
    const a = loadF64(dt, pa + <usize>(i * sa) * z);
    const b = loadF64(dt, pb + <usize>(i * sb) * z);
    storeF64(ot, po + <usize>(i * so) * oz, binaryF64(op, a, scaledOperand(op, dt, b, alpha)));
  }
  return OK;
}

/** floor(a / b) of two int32s is an integer in [-2³¹, 2³¹]; only -2³¹ / -1 needs the wrap. */
// @ts-ignore: decorator
@inline
function toI32Wrap(x: f64): i32 {
  return <i32><i64>x;
}

/**
 * out = a (op) b over the views of descriptor `d` (operand 0 = a, 1 = b, 2 = out): a and b of
 * dtype `dt` (already broadcast), out of dtype bool for comparisons and `dt` otherwise. For add and
 * sub, `alpha` scales b first (`a + alpha·b`: see floatRow); other ops take 1. out may be a or b
 * itself, as in-place ops write (`x.add_(y)`): each element is read before it is written.
 */
export function binary(op: i32, dt: i32, d: usize, a: usize, b: usize, out: usize, alpha: f64): i32 {
  const ot = isComparison(op) ? BOOL : dt;
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sa = strideOf(d, 0, ndim - 1);
  const sb = strideOf(d, 1, ndim - 1);
  const so = strideOf(d, 2, ndim - 1);
  const z = sizeOf(dt);
  const oz = sizeOf(ot);
  // SIMD when the output's row is contiguous and each operand's contiguous or a single broadcast value
  const mode = so != 1 ? 0 : (sa == 1 ? 1 : sa == 0 ? 0 : -16) + (sb == 1 ? 2 : sb == 0 ? 0 : -16);
  for (let r = 0; r < rows; r++) {
    const pa = a + <usize>offsetOf(d, 3, 0) * z;
    const pb = b + <usize>offsetOf(d, 3, 1) * z;
    const po = out + <usize>offsetOf(d, 3, 2) * oz;
    if (!(mode > 0 && simdBinaryRow(dt, op, mode, n, pa, pb, po, alpha))) {
      const status = scalarBinaryRow(op, dt, ot, n, pa, sa, pb, sb, po, so, alpha);
      if (status != OK) return status;
    }
    nextRow(d, 3);
  }
  return OK;
}

// ---- unary --------------------------------------------------------------------------------------

/** SIMD float32 unary row over a contiguous input, for the ops with a single-instruction form. */
// @ts-ignore: decorator
@inline
function unaryRow32(op: i32, n: i32, px: usize, po: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(px + <usize>i * 4);
    let y: v128;
    if (op == NEG) y = f32x4.neg(x);
    else if (op == ABS) y = f32x4.abs(x);
    else if (op == SQRT) y = f32x4.sqrt(x);
    else if (op == FLOOR) y = f32x4.floor(x);
    else if (op == CEIL) y = f32x4.ceil(x);
    else if (op == ROUND) y = f32x4.nearest(x);
    else if (op == TRUNC) y = f32x4.trunc(x);
    else y = v128.bitselect(x, zero, v128.or(f32x4.gt(x, zero), f32x4.ne(x, x))); // relu: keep x > 0 and NaN
    v128.store(po + <usize>i * 4, y);
  }
  for (; i < n; i++) store<f32>(po + <usize>i * 4, <f32>unaryF64(op, <f64>load<f32>(px + <usize>i * 4)));
}

// @ts-ignore: decorator
@inline
function unaryRow64(op: i32, n: i32, px: usize, po: usize): void {
  const zero = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const x = v128.load(px + <usize>i * 8);
    let y: v128;
    if (op == NEG) y = f64x2.neg(x);
    else if (op == ABS) y = f64x2.abs(x);
    else if (op == SQRT) y = f64x2.sqrt(x);
    else if (op == FLOOR) y = f64x2.floor(x);
    else if (op == CEIL) y = f64x2.ceil(x);
    else if (op == ROUND) y = f64x2.nearest(x);
    else if (op == TRUNC) y = f64x2.trunc(x);
    else y = v128.bitselect(x, zero, v128.or(f64x2.gt(x, zero), f64x2.ne(x, x)));
    v128.store(po + <usize>i * 8, y);
  }
  for (; i < n; i++) store<f64>(po + <usize>i * 8, unaryF64(op, load<f64>(px + <usize>i * 8)));
}

function simdUnaryRow(dt: i32, op: i32, n: i32, px: usize, po: usize): bool {
  if (dt == F32) {
    if (op == NEG) unaryRow32(NEG, n, px, po);
    else if (op == ABS) unaryRow32(ABS, n, px, po);
    else if (op == SQRT) unaryRow32(SQRT, n, px, po);
    else if (op == FLOOR) unaryRow32(FLOOR, n, px, po);
    else if (op == CEIL) unaryRow32(CEIL, n, px, po);
    else if (op == ROUND) unaryRow32(ROUND, n, px, po);
    else if (op == TRUNC) unaryRow32(TRUNC, n, px, po);
    else if (op == RELU) unaryRow32(RELU, n, px, po);
    else return false;
    return true;
  }
  if (dt == F64) {
    if (op == NEG) unaryRow64(NEG, n, px, po);
    else if (op == ABS) unaryRow64(ABS, n, px, po);
    else if (op == SQRT) unaryRow64(SQRT, n, px, po);
    else if (op == FLOOR) unaryRow64(FLOOR, n, px, po);
    else if (op == CEIL) unaryRow64(CEIL, n, px, po);
    else if (op == ROUND) unaryRow64(ROUND, n, px, po);
    else if (op == TRUNC) unaryRow64(TRUNC, n, px, po);
    else if (op == RELU) unaryRow64(RELU, n, px, po);
    else return false;
    return true;
  }
  return false;
}

/** out = f(x) over the view of descriptor `d`; `out` is contiguous, bool for logicalNot and `dt` otherwise. */
export function unary(op: i32, dt: i32, d: usize, x: usize, out: usize): void {
  const ot = op == LOGICAL_NOT ? BOOL : dt;
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sx = strideOf(d, 0, ndim - 1);
  const z = sizeOf(dt);
  const oz = sizeOf(ot);
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>offsetOf(d, 1, 0) * z;
    const po = out + <usize>(r * n) * oz;
    if (!(sx == 1 && simdUnaryRow(dt, op, n, px, po))) {
      for (let i = 0; i < n; i++) storeF64(ot, po + <usize>i * oz, unaryF64(op, loadF64(dt, px + <usize>(i * sx) * z)));
    }
    nextRow(d, 1);
  }
}

// ---- where --------------------------------------------------------------------------------------

/**
 * out = cond ? a : b for 4-byte values, 4 lanes at a time: 4 condition bytes widen to 4 lanes
 * (u8 → u16 → u32), lanes ≠ 0 become an all-ones mask, and bitselect picks a or b.
 */
function whereRow32(n: i32, pc: usize, pa: usize, sa: i32, pb: usize, sb: i32, po: usize): void {
  const splatA = v128.load32_splat(pa);
  const splatB = v128.load32_splat(pb);
  const zero = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(pc + <usize>i)));
    const mask = i32x4.ne(c, zero);
    const va = sa ? v128.load(pa + <usize>i * 4) : splatA;
    const vb = sb ? v128.load(pb + <usize>i * 4) : splatB;
    v128.store(po + <usize>i * 4, v128.bitselect(va, vb, mask));
  }
  for (; i < n; i++) {
    const src = load<u8>(pc + <usize>i) != 0 ? pa + <usize>(i * sa) * 4 : pb + <usize>(i * sb) * 4;
    store<u32>(po + <usize>i * 4, load<u32>(src));
  }
}

/**
 * out = cond ? a : b over the views of `d` (operands: 0 = cond of dtype `ct`, 1 = a, 2 = b, both
 * of dtype `dt`). A condition is true when non-zero and not NaN, as JavaScript's truthiness.
 */
export function where(ct: i32, dt: i32, d: usize, cond: usize, a: usize, b: usize, out: usize): void {
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sc = strideOf(d, 0, ndim - 1);
  const sa = strideOf(d, 1, ndim - 1);
  const sb = strideOf(d, 2, ndim - 1);
  const cz = sizeOf(ct);
  const z = sizeOf(dt);
  // a contiguous bool condition choosing between 4-byte values that are contiguous or broadcast
  const fast = ct == BOOL && z == 4 && sc == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1);
  for (let r = 0; r < rows; r++) {
    const pc = cond + <usize>offsetOf(d, 3, 0) * cz;
    const pa = a + <usize>offsetOf(d, 3, 1) * z;
    const pb = b + <usize>offsetOf(d, 3, 2) * z;
    const po = out + <usize>(r * n) * z;
    if (fast) {
      whereRow32(n, pc, pa, sa, pb, sb, po);
      nextRow(d, 3);
      continue;
    }
    for (let i = 0; i < n; i++) {
      let truthy: bool;
      if (ct == BOOL) truthy = load<u8>(pc + <usize>(i * sc)) != 0;
      else {
        const c = loadF64(ct, pc + <usize>(i * sc) * cz);
        truthy = c != 0 && c == c;
      }
      const src = truthy ? pa + <usize>(i * sa) * z : pb + <usize>(i * sb) * z;
      if (z == 8) store<u64>(po + <usize>i * 8, load<u64>(src));
      else if (z == 4) store<u32>(po + <usize>i * 4, load<u32>(src));
      else store<u8>(po + <usize>i, load<u8>(src));
    }
    nextRow(d, 3);
  }
}
