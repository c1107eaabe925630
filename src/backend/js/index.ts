/**
 * The `js` backend: the reference kernels, in plain TypeScript.
 *
 * Every other backend is tested against this one, so it is written to be read: one function per
 * kernel, plain loops, the formula in a comment. A storage is simply a typed array.
 *
 * One idea carries most kernels: `offsetsOf(view)` lists, in row-major order, where each element
 * of a strided view lives in its storage. With it a kernel over a transposed, sliced or broadcast
 * view is the same loop as over a contiguous one.
 */
import { comparisonOps, type ArgReduceOp, type Backend, type BinaryOp, type ReduceOp, type UnaryOp, type View } from '../backend.js';
import { allocArray, castScalar, type DType, type TypedArray } from '../../dtype.js';
import { contiguousStrides, isContiguousLayout, numelOf, type Shape } from '../../shape.js';

type JsView = View<TypedArray>;

/**
 * Where each element of a view lives: `offsets[i]` is the storage index of the i-th element in
 * row-major order, `offset + Σ_d index[d] * strides[d]`, walked like an odometer.
 */
export function offsetsOf(view: { shape: Shape; strides: readonly number[]; offset: number }): Int32Array {
  const { shape, strides } = view;
  const n = numelOf(shape);
  const out = new Int32Array(n);
  if (isContiguousLayout(shape, strides)) {
    for (let i = 0; i < n; i++) out[i] = view.offset + i;
    return out;
  }
  const ndim = shape.length;
  const index = new Array<number>(ndim).fill(0);
  let at = view.offset;
  for (let i = 0; i < n; i++) {
    out[i] = at;
    // advance the odometer: bump the last dim, carrying into earlier dims when one wraps
    for (let d = ndim - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Stores `x` in a typed array of `dtype`: bool is `x !== 0` (NaN counts as true, as in C). */
const toBool = (x: number): number => (x !== 0 ? 1 : 0);

// ---- elementwise formulas ---------------------------------------------------------------------

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // sign(0) = 0, sign(NaN) = NaN
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)), // σ(x) = 1 / (1 + e^-x)
  relu: (x) => (x > 0 ? x : x === x ? 0 : x), // max(x, 0), NaN stays NaN
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  round: (x) => roundHalfToEven(x),
  trunc: (x) => Math.trunc(x),
  logicalNot: (x) => (x === 0 ? 1 : 0),
};

/** PyTorch rounds halves to the nearest even number (banker's rounding): round(2.5) = 2. */
function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Python's floor division for floats, as PyTorch computes it: from the exact remainder
 * `fmod(a, b)` rather than `floor(a / b)`, so that `1 // -inf` is -1 and `inf // 1` is NaN.
 */
function pyFloorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b; // C's fmod
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return Math.sign(a / b) * 0; // a signed zero
  const floored = Math.floor(div);
  return div - floored > 0.5 ? floored + 1 : floored;
}

/** C's `pow`, which PyTorch follows: 1 to any power, and -1 to ±inf, are 1 (Math.pow says NaN). */
function cPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && Math.abs(b) === Infinity)) return 1;
  return Math.pow(a, b);
}

/** Python's modulo: the result takes the sign of the divisor, `a - floor(a / b) * b`. */
function pyRemainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  floorDivide: pyFloorDivide,
  remainder: pyRemainder,
  pow: cPow,
  // maximum/minimum propagate NaN, unlike Math.max on an unordered pair it matches PyTorch exactly
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

/** Integer arithmetic that a double does not do exactly: 32-bit multiply, and division by zero. */
const int32Fns: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  mul: (a, b) => Math.imul(a, b),
  floorDivide: (a, b) => {
    if (b === 0) throw new RangeError('ZeroDivisionError: integer division by zero');
    return Math.floor(a / b);
  },
  remainder: (a, b) => {
    if (b === 0) throw new RangeError('ZeroDivisionError: integer modulo by zero');
    return pyRemainder(a, b);
  },
  // integer powers: exact while representable, then wrap to 32 bits like C. Square-and-multiply
  // (a^b = (a^2)^(b/2) · a^(b mod 2)) takes log2(b) steps, so a huge exponent cannot hang the loop.
  pow: (a, b) => {
    if (b < 0) throw new RangeError('Integers to negative integer powers are not allowed.');
    let r = 1;
    for (let base = a, e = b; e > 0; e = Math.floor(e / 2), base = Math.imul(base, base)) {
      if (e % 2 === 1) r = Math.imul(r, base);
    }
    return r;
  },
};

/**
 * out[i] = f(a[i], b[i]) written into the view `out`, which may be `a` or `b` itself: element i
 * is read before it is written. For add and sub, b is first scaled by `alpha`, `a ± alpha·b`.
 */
function binaryInto(op: BinaryOp, a: JsView, b: JsView, out: JsView, alpha = 1): void {
  const f = (a.dtype === 'int32' && int32Fns[op]) || binaryFns[op];
  const operand = alpha !== 1 && (op === 'add' || op === 'sub') ? scaled(b, alpha) : b;
  const ao = offsetsOf(a);
  const bo = offsetsOf(operand);
  const oo = offsetsOf(out);
  const convert = out.dtype === 'bool' ? toBool : (x: number) => x;
  for (let i = 0; i < oo.length; i++) out.storage[oo[i]] = convert(f(a.storage[ao[i]], operand.storage[bo[i]]));
}

/** alpha·b as `mul(b, alpha)` gives it (alpha cast to b's dtype, the product rounded to it): what `a + alpha·b` adds. */
function scaled(b: JsView, alpha: number): JsView {
  const factor = allocArray(b.dtype, 1);
  factor[0] = castScalar(alpha, b.dtype);
  const product = jsBackend.binary('mul', b, { storage: factor, dtype: b.dtype, shape: b.shape, strides: b.shape.map(() => 0), offset: 0 });
  return { storage: product, dtype: b.dtype, shape: b.shape, strides: contiguousStrides(b.shape), offset: 0 };
}

// ---- the backend ------------------------------------------------------------------------------

export const jsBackend: Backend<TypedArray> = {
  name: 'js',

  alloc: (dtype, length) => allocArray(dtype, length),
  fromArray: (array) => array,
  readSync: (storage) => storage,
  read: async (storage) => storage,

  /** out[i] = x[offsets[i]], converted to `dtype`. */
  copy(x, dtype) {
    const offsets = offsetsOf(x);
    const out = allocArray(dtype, offsets.length);
    const data = x.storage;
    if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = toBool(data[offsets[i]]);
    else for (let i = 0; i < out.length; i++) out[i] = data[offsets[i]];
    return out;
  },

  /** dst[i] = src[i] over the two views' elements in row-major order. */
  copyInto(dst, src) {
    const to = offsetsOf(dst);
    const from = offsetsOf(src);
    // read everything first: src and dst may overlap in the same storage. (Not `from.map`: on an
    // Int32Array that would build an Int32Array and truncate float values.)
    const values = Array.from(from, (o) => src.storage[o]);
    const convert = dst.dtype === 'bool' ? toBool : (x: number) => x;
    for (let i = 0; i < to.length; i++) dst.storage[to[i]] = convert(values[i]);
  },

  fill(dst, value) {
    const v = dst.dtype === 'bool' ? toBool(value) : value;
    for (const o of offsetsOf(dst)) dst.storage[o] = v;
  },

  /** out[i] = f(x[i]). */
  unary(op, x) {
    const f = unaryFns[op];
    const offsets = offsetsOf(x);
    const outDtype = op === 'logicalNot' ? 'bool' : x.dtype;
    const out = allocArray(outDtype, offsets.length);
    const convert = outDtype === 'bool' ? toBool : (v: number) => v; // a bool result is 0 or 1 (-true is true)
    for (let i = 0; i < out.length; i++) out[i] = convert(f(x.storage[offsets[i]]));
    return out;
  },

  /** out[i] = f(a[i], b[i]); the inputs are already broadcast to the output's shape. */
  binary(op, a, b) {
    const dtype: DType = comparisonOps.has(op) ? 'bool' : a.dtype;
    const out = allocArray(dtype, numelOf(a.shape));
    binaryInto(op, a, b, { storage: out, dtype, shape: a.shape, strides: contiguousStrides(a.shape), offset: 0 });
    return out;
  },

  binaryInto,

  /** out[i] = cond[i] ? a[i] : b[i]. */
  where(cond, a, b) {
    const co = offsetsOf(cond);
    const ao = offsetsOf(a);
    const bo = offsetsOf(b);
    const out = allocArray(a.dtype, co.length);
    for (let i = 0; i < out.length; i++) out[i] = cond.storage[co[i]] ? a.storage[ao[i]] : b.storage[bo[i]];
    return out;
  },

  /**
   * Reorders the view so the kept dims come first and the reduced dims last; then each output
   * element reduces one run of `r` consecutive offsets, r = Π sizes of the reduced dims.
   */
  reduce(op, x, dims, outDtype) {
    const { offsets, groupSize } = groupedOffsets(x, dims);
    const out = allocArray(outDtype, numelKept(x, dims));
    const step = reducers[op];
    for (let o = 0; o < out.length; o++) {
      let acc = step.init;
      for (let j = 0; j < groupSize; j++) acc = step.combine(acc, x.storage[offsets[o * groupSize + j]]);
      out[o] = outDtype === 'bool' ? toBool(acc) : acc;
    }
    return out;
  },

  /** For each output element, the position of the first largest (argmax) or smallest (argmin) value; NaN counts as largest and smallest. */
  argReduce(op, x, dim) {
    const { offsets, groupSize } = groupedOffsets(x, [dim]);
    const out = allocArray('int32', numelKept(x, [dim]));
    const better = op === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
    for (let o = 0; o < out.length; o++) {
      let bestIndex = 0;
      let best = x.storage[offsets[o * groupSize]];
      for (let j = 1; j < groupSize && best === best; j++) {
        const v = x.storage[offsets[o * groupSize + j]];
        if (v !== v || better(v, best)) {
          best = v;
          bestIndex = j;
        }
      }
      out[o] = bestIndex;
    }
    return out;
  },

  /** out[b][i][j] = Σ_k a[b][i][k] · b[b][k][j], looping i, k, j so the inner loop walks a row of b and of out. */
  matmul(a, b) {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    const [sab, sam, sak] = a.strides;
    const [sbb, sbk, sbn] = b.strides;
    const out = allocArray(a.dtype, B * M * N);
    const row = new Float64Array(N); // accumulate in double, round once when storing
    for (let batch = 0; batch < B; batch++) {
      for (let i = 0; i < M; i++) {
        row.fill(0);
        for (let k = 0; k < K; k++) {
          const aik = a.storage[a.offset + batch * sab + i * sam + k * sak];
          const bRow = b.offset + batch * sbb + k * sbk;
          for (let j = 0; j < N; j++) row[j] += aik * b.storage[bRow + j * sbn];
        }
        const o = (batch * M + i) * N;
        if (a.dtype === 'int32') for (let j = 0; j < N; j++) out[o + j] = row[j] | 0;
        else out.set(row, o);
      }
    }
    return out;
  },

  /** Output element at multi-index p reads x at p with p[dim] replaced by index[p]. */
  gather(x, dim, index) {
    const n = numelOf(index.shape);
    const out = allocArray(x.dtype, n);
    const indexOffsets = offsetsOf(index);
    const outStrides = contiguousStrides(index.shape);
    for (let i = 0; i < n; i++) {
      const k = checkIndex(index.storage[indexOffsets[i]], x.shape[dim], dim);
      let at = x.offset;
      for (let d = 0; d < index.shape.length; d++) {
        const p = d === dim ? k : Math.floor(i / outStrides[d]) % index.shape[d];
        at += p * x.strides[d];
      }
      out[i] = x.storage[at];
    }
    return out;
  },

  /** dst at multi-index p with p[dim] replaced by index[p] receives src[p] (or adds it). */
  scatter(dst, dim, index, src, accumulate) {
    const n = numelOf(index.shape);
    const indexOffsets = offsetsOf(index);
    const srcOffsets = offsetsOf(src);
    const strides = contiguousStrides(index.shape);
    const convert = dst.dtype === 'bool' ? toBool : (v: number) => v;
    for (let i = 0; i < n; i++) {
      const k = checkIndex(index.storage[indexOffsets[i]], dst.shape[dim], dim);
      let at = dst.offset;
      for (let d = 0; d < index.shape.length; d++) {
        const p = d === dim ? k : Math.floor(i / strides[d]) % index.shape[d];
        at += p * dst.strides[d];
      }
      const v = src.storage[srcOffsets[i]];
      dst.storage[at] = convert(accumulate ? dst.storage[at] + v : v);
    }
  },
};

/** Initial value and step of each reduction: sum Σ, product Π, max and min (which propagate NaN). */
const reducers: Record<ReduceOp, { init: number; combine: (acc: number, v: number) => number }> = {
  sum: { init: 0, combine: (acc, v) => acc + v },
  prod: { init: 1, combine: (acc, v) => acc * v },
  max: { init: -Infinity, combine: (acc, v) => (acc !== acc || v !== v ? NaN : v > acc ? v : acc) },
  min: { init: Infinity, combine: (acc, v) => (acc !== acc || v !== v ? NaN : v < acc ? v : acc) },
};

/** The storage offsets of `x` with the `dims` moved last, and how many elements each output reduces. */
function groupedOffsets(x: JsView, dims: readonly number[]): { offsets: Int32Array; groupSize: number } {
  const kept = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const order = [...kept, ...dims];
  const offsets = offsetsOf({ shape: order.map((d) => x.shape[d]), strides: order.map((d) => x.strides[d]), offset: x.offset });
  return { offsets, groupSize: numelOf(dims.map((d) => x.shape[d])) };
}

const numelKept = (x: JsView, dims: readonly number[]): number => numelOf(x.shape.filter((_, d) => !dims.includes(d)));

/** An index read from an index tensor, or PyTorch's error: gather and scatter take no negative indices. */
function checkIndex(k: number, size: number, dim: number): number {
  if (k < 0 || k >= size) throw new RangeError(`index ${k} is out of bounds for dimension ${dim} with size ${size}`);
  return k;
}
