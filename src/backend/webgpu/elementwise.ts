/**
 * Elementwise kernels: copy (and cast), copyInto, fill, unary, binary (and binaryInto), where, and
 * relu's backward.
 *
 * One thread per output element, 256 threads a workgroup (a multiple of every GPU's SIMD width,
 * and the most SwiftShader allows). A thread turns its linear index into coordinates of the
 * (merged) output shape and from them the storage offset of each operand, so transposed, sliced
 * and broadcast (stride 0) operands need no copy. Each (op, dtype) pair is its own small pipeline
 * (binary's in up to four variants: b scaled or not, a or b read through the output's binding),
 * compiled on first use: the WGSL below reads like the reference's one-line formulas.
 */
import { comparisonOps, type BinaryOp, type UnaryOp } from '../backend.js';
import { castScalar } from '../../dtype.js';
import { contiguousStrides, numelOf } from '../../shape.js';
import { checkDims, collapse, grid1d, Params } from './layout.js';
import { intMathWgsl, mathWgsl } from './math.js';
import type { Runtime } from './runtime.js';
import type { GpuStorage, GpuView } from './storage.js';
import { bindingsWgsl, computeType, convert, ErrorCode, errorWgsl, gpuDType, storageType, type Binding, type GpuDType } from './wgsl.js';

/**
 * Parameters of the elementwise family: [0] n, [1] ndim, [2..6) offsets of out, a, b, c,
 * [6] a scalar (fill value or alpha), [7] zero (see `binaryInto`), [8..16) shape, then strides of
 * out, a, b, c at 16, 24, 32, 40.
 */
const offsetsWgsl = /* wgsl */ `
fn offsets(i: u32) -> vec4<i32> {
  var rem = i;
  var o = vec4<i32>(prm(2u), prm(3u), prm(4u), prm(5u));
  let nd = prmu(1u);
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(8u + d);
    let c = i32(rem % size);
    rem = rem / size;
    o += c * vec4<i32>(prm(16u + d), prm(24u + d), prm(32u + d), prm(40u + d));
  }
  return o;
}
`;

/** The WGSL of a one-thread-per-element kernel running `statement` with `o` = offsets of out, a, b, c. */
function mapKernel(bindings: readonly Binding[], statement: string, extra = ''): string {
  return /* wgsl */ `
${bindingsWgsl(bindings)}
${offsetsWgsl}
${extra}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= prmu(0u)) { return; }
  let o = offsets(i);
  ${statement}
}
`;
}

/**
 * Dispatches a map kernel over `shape`: `views[0]` is the output (a new contiguous storage or a
 * strided destination), the rest are inputs, all of that shape. An input in the output's own
 * storage gets no binding of its own: WebGPU forbids binding one buffer both writable and
 * read-only in a dispatch, so its kernel reads it through the output's binding.
 */
function runMap(rt: Runtime, kernel: ReturnType<Runtime['ctx']['kernel']>, shape: readonly number[], views: readonly { storage: GpuStorage; strides: readonly number[]; offset: number }[], scalar?: (p: Params) => void): void {
  const n = numelOf(shape);
  if (n === 0) return;
  const merged = collapse(shape, views.map((v) => v.strides));
  checkDims(merged.shape.length, kernel.name);
  const p = new Params().set(0, n, merged.shape.length).set(8, ...merged.shape);
  views.forEach((v, k) => {
    p.set(2 + k, v.offset);
    p.set(16 + 8 * k, ...merged.strides[k]);
  });
  scalar?.(p);
  const bound = views.filter((v, k) => k === 0 || v.storage !== views[0].storage);
  rt.ctx.dispatch(kernel, p.values, bound.map((v) => v.storage.buffer), grid1d(n));
}

const contiguous = contiguousStrides;

/** A fresh output storage viewed contiguously over `shape`. */
function outputOf(rt: Runtime, dtype: GpuDType, shape: readonly number[]) {
  const storage = rt.storage(dtype, numelOf(shape));
  return { storage, view: { storage, strides: contiguous(shape), offset: 0 } };
}

// ---- copy, copyInto, fill --------------------------------------------------------------------

function castKernel(rt: Runtime, from: GpuDType, to: GpuDType) {
  const [ft, tt] = [storageType[from], storageType[to]];
  return rt.ctx.kernel(
    `copy_${from}_${to}`,
    [
      { name: 'dst', type: tt, access: 'read_write' },
      { name: 'src', type: ft, access: 'read' },
    ],
    () => mapKernel([{ name: 'dst', type: tt, access: 'read_write' }, { name: 'src', type: ft, access: 'read' }], `dst[o.x] = ${convert('src[o.y]', ft, tt, to === 'bool')};`),
  );
}

/** `x` copied into a new contiguous storage of `dtype` (a cast when the dtypes differ). */
export function copy(rt: Runtime, x: GpuView, dtype: GpuDType): GpuStorage {
  const out = outputOf(rt, dtype, x.shape);
  runMap(rt, castKernel(rt, gpuDType(x.dtype), dtype), x.shape, [out.view, x]);
  return out.storage;
}

/** dst[i] = src[i] over two views of one shape (src may be broadcast), cast to dst's dtype. */
export function copyInto(rt: Runtime, dst: GpuView, src: GpuView): void {
  let source = src;
  // a kernel cannot read and write one buffer (WebGPU forbids the aliasing, and the reference reads
  // every value before writing any): copy an overlapping source out first
  if (src.storage === dst.storage) source = { ...src, storage: copy(rt, src, gpuDType(src.dtype)), strides: contiguous(src.shape), offset: 0 };
  runMap(rt, castKernel(rt, gpuDType(source.dtype), gpuDType(dst.dtype)), dst.shape, [dst, source]);
  if (source !== src) rt.free(source.storage);
}

/** Sets every element of the view `dst` to `value` (already converted to dst's dtype). */
export function fill(rt: Runtime, dst: GpuView, value: number): void {
  const dtype = gpuDType(dst.dtype);
  const t = storageType[dtype];
  const kernel = rt.ctx.kernel(`fill_${dtype}`, [{ name: 'dst', type: t, access: 'read_write' }], () =>
    mapKernel([{ name: 'dst', type: t, access: 'read_write' }], `dst[o.x] = ${t === 'f32' ? 'bitcast<f32>(prm(6u))' : `${t}(prm(6u))`};`),
  );
  runMap(rt, kernel, dst.shape, [dst], (p) => (dtype === 'float32' ? p.setF32(6, value) : p.set(6, dtype === 'bool' ? (value !== 0 ? 1 : 0) : value | 0)));
}

/** Fills a whole storage (e.g. zeroing a pooled buffer). */
export function fillStorage(rt: Runtime, storage: GpuStorage, value: number): void {
  fill(rt, { storage, dtype: storage.dtype, shape: [storage.length], strides: [1], offset: 0 }, value);
}

// ---- unary ---------------------------------------------------------------------------------------

/** Float formulas, in the reference's words (math.ts spells out the special cases). */
const unaryF32: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `signF(${x})`,
  exp: (x) => `expF(${x})`,
  log: (x) => `logF(${x})`,
  sqrt: (x) => `sqrtF(${x})`,
  rsqrt: (x) => `divF(1.0, sqrtF(${x}))`,
  sin: (x) => `sinF(${x})`,
  cos: (x) => `cosF(${x})`,
  tanh: (x) => `tanhF(${x})`,
  sigmoid: (x) => `sigmoidF(${x})`,
  relu: (x) => `reluF(${x})`,
  floor: (x) => `floorF(${x})`,
  ceil: (x) => `ceilF(${x})`,
  round: (x) => `round(${x})`, // WGSL rounds halves to even, as PyTorch
  trunc: (x) => `trunc(${x})`,
  logicalNot: (x) => `f32(boolOfF32(${x}) == 0u)`,
};

/** Integer formulas where they differ from "compute in float": exact and wrapping (−MIN = MIN). */
const unaryI32: Partial<Record<UnaryOp, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `sign(${x})`,
  relu: (x) => `max(${x}, 0)`,
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
  trunc: (x) => x,
  logicalNot: (x) => `i32(${x} == 0)`,
};

/** out[i] = f(x[i]); `logicalNot` writes bool. */
export function unary(rt: Runtime, op: UnaryOp, x: GpuView): GpuStorage {
  const dtype = gpuDType(x.dtype);
  const outDtype: GpuDType = op === 'logicalNot' ? 'bool' : dtype;
  const [it, ot] = [storageType[dtype], storageType[outDtype]];
  const bindings: Binding[] = [
    { name: 'dst', type: ot, access: 'read_write' },
    { name: 'src', type: it, access: 'read' },
  ];
  const kernel = rt.ctx.kernel(`unary_${op}_${dtype}`, bindings, () => {
    const intFormula = dtype === 'int32' ? unaryI32[op] : undefined;
    // integers compute exactly where they can; other cases (and bools) in float, like the reference
    const [ct, formula] = intFormula ? (['i32', intFormula] as const) : (['f32', unaryF32[op]] as const);
    const value = formula(convert('src[o.y]', it, ct));
    return mapKernel(bindings, `dst[o.x] = ${convert(value, ct, ot, outDtype === 'bool')};`, mathWgsl);
  });
  const out = outputOf(rt, outDtype, x.shape);
  runMap(rt, kernel, x.shape, [out.view, x]);
  return out.storage;
}

/** relu's gradient, `leF(y, 0) ? 0 : g` (le's formula: false for NaN), over float32 views of one shape. */
export function reluBackward(rt: Runtime, g: GpuView, y: GpuView): GpuStorage {
  if (gpuDType(g.dtype) !== 'float32' || gpuDType(y.dtype) !== 'float32') throw new TypeError(`webgpu relu backward: expected float32, got ${g.dtype} and ${y.dtype}`);
  const bindings: Binding[] = [
    { name: 'dst', type: 'f32', access: 'read_write' },
    { name: 'grad', type: 'f32', access: 'read' },
    { name: 'y', type: 'f32', access: 'read' },
  ];
  const kernel = rt.ctx.kernel('relu_backward_float32', bindings, () => mapKernel(bindings, 'dst[o.x] = select(grad[o.y], 0.0, leF(y[o.z], 0.0));', mathWgsl));
  const out = outputOf(rt, 'float32', g.shape);
  runMap(rt, kernel, g.shape, [out.view, g, y]);
  return out.storage;
}

// ---- binary --------------------------------------------------------------------------------------

/**
 * Float formulas. Comparisons are false with a NaN operand (true for `ne`), whatever the compiler
 * assumes, and exact for subnormals (see orderKey in math.ts).
 */
const binaryF32: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `divF(${a}, ${b})`,
  floorDivide: (a, b) => `floorDivideF(${a}, ${b})`,
  remainder: (a, b) => `remainderF(${a}, ${b})`,
  pow: (a, b) => `powF(${a}, ${b})`,
  maximum: (a, b) => `maximumF(${a}, ${b})`,
  minimum: (a, b) => `minimumF(${a}, ${b})`,
  eq: (a, b) => `eqF(${a}, ${b})`,
  ne: (a, b) => `!eqF(${a}, ${b})`,
  lt: (a, b) => `ltF(${a}, ${b})`,
  le: (a, b) => `leF(${a}, ${b})`,
  gt: (a, b) => `ltF(${b}, ${a})`,
  ge: (a, b) => `leF(${b}, ${a})`,
  logicalAnd: (a, b) => `boolOfF32(${a}) != 0u && boolOfF32(${b}) != 0u`,
  logicalOr: (a, b) => `boolOfF32(${a}) != 0u || boolOfF32(${b}) != 0u`,
  logicalXor: (a, b) => `boolOfF32(${a}) != boolOfF32(${b})`,
};

/** int32 formulas: wrapping + − ×, Python's floor division and modulo, exact powers. */
const binaryI32: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `select(${a} / ${b}, 0, ${b} == 0)`, // (true division of ints is float32 in the tensor layer)
  floorDivide: (a, b) => `floorDivideI(${a}, ${b})`,
  remainder: (a, b) => `remainderI(${a}, ${b})`,
  pow: (a, b) => `powI(${a}, ${b})`,
  maximum: (a, b) => `max(${a}, ${b})`,
  minimum: (a, b) => `min(${a}, ${b})`,
  eq: (a, b) => `${a} == ${b}`,
  ne: (a, b) => `${a} != ${b}`,
  lt: (a, b) => `${a} < ${b}`,
  le: (a, b) => `${a} <= ${b}`,
  gt: (a, b) => `${a} > ${b}`,
  ge: (a, b) => `${a} >= ${b}`,
  logicalAnd: (a, b) => `${a} != 0 && ${b} != 0`,
  logicalOr: (a, b) => `${a} != 0 || ${b} != 0`,
  logicalXor: (a, b) => `(${a} != 0) != (${b} != 0)`,
};

/** int32 ops that fail on some inputs, the test, and the error they report. */
const intFailures: Partial<Record<BinaryOp, { when: string; code: number }>> = {
  floorDivide: { when: 'b == 0', code: ErrorCode.intDivZero },
  remainder: { when: 'b == 0', code: ErrorCode.intModZero },
  pow: { when: 'b < 0', code: ErrorCode.negativeIntPower },
};

/**
 * alpha·b for float32 (and bool, computed as 0/1 floats), rounded to f32 on its own. Left to
 * itself, a compiler may contract `a - alpha * b` into one fused multiply-add, which rounds once
 * where `mul` then `sub` round twice, and the result would no longer be the two kernels' to the
 * bit. Passing the product's bits through an xor with parameter [7], which is always 0 but known
 * only at run time, makes the rounded product a value the compiler has to materialize.
 */
const scaledWgsl = /* wgsl */ `
fn scaledF(b: f32) -> f32 {
  let product = b * bitcast<f32>(prm(6u));
  return bitcast<f32>(bitcast<u32>(product) ^ prmu(7u));
}
`;

/**
 * The kernel of `binaryInto` for one (op, dtype) and one way of reading it: b scaled by alpha or
 * not, and a or b read through the output's binding where they share its storage (see runMap).
 */
function binaryKernel(rt: Runtime, op: BinaryOp, dtype: GpuDType, scaled: boolean, aInOut: boolean, bInOut: boolean) {
  const outDtype: GpuDType = comparisonOps.has(op) ? 'bool' : dtype;
  const [it, ot, ct] = [storageType[dtype], storageType[outDtype], computeType[dtype]];
  const failure = dtype === 'int32' ? intFailures[op] : undefined;
  const bindings: Binding[] = [{ name: 'dst', type: ot, access: 'read_write' }];
  if (!aInOut) bindings.push({ name: 'srcA', type: it, access: 'read' });
  if (!bInOut) bindings.push({ name: 'srcB', type: it, access: 'read' });
  const name = `binary_${op}_${dtype}${scaled ? '_scaled' : ''}${aInOut ? '_aInOut' : ''}${bInOut ? '_bInOut' : ''}`;
  return rt.ctx.kernel(
    name,
    bindings,
    () => {
      const formula = (ct === 'i32' ? binaryI32 : binaryF32)[op]('a', 'b');
      const resultType = comparisonOps.has(op) ? 'bool' : ct;
      const result = resultType === 'bool' ? `u32(${formula})` : convert(`(${formula})`, ct, ot, outDtype === 'bool');
      const check = failure ? `if (${failure.when}) { report(${failure.code}u, 0, 0, 0); dst[o.x] = ${ot}(0); return; }` : '';
      const b = convert(`${bInOut ? 'dst' : 'srcB'}[o.z]`, it, ct);
      // int32 products wrap in WGSL as in the reference, and integers need no guard
      const scaledB = !scaled ? b : ct === 'i32' ? `${b} * prm(6u)` : `scaledF(${b})`;
      return mapKernel(
        bindings,
        `let a = ${convert(`${aInOut ? 'dst' : 'srcA'}[o.y]`, it, ct)};
  let b = ${scaledB};
  ${check}
  dst[o.x] = ${result};`,
        (ct === 'i32' ? intMathWgsl : mathWgsl) + (scaled && ct === 'f32' ? scaledWgsl : '') + (failure ? errorWgsl : ''),
      );
    },
    failure !== undefined,
  );
}

/**
 * out[i] = f(a[i], alpha·b[i]) over views of one (broadcast) shape, written into the view `out`
 * (comparisons write bool). alpha scales b for add and sub only, as `mul(b, alpha)` would store it:
 * cast to the dtype (int32 wraps, bool is 0 or 1), the product rounded to it. `out` may be `a` or
 * `b` itself, element for element: each thread reads its element before writing it.
 */
export function binaryInto(rt: Runtime, op: BinaryOp, a: GpuView, b: GpuView, out: GpuView, alpha = 1): void {
  const dtype = gpuDType(a.dtype);
  const factor = op === 'add' || op === 'sub' ? castScalar(alpha, dtype) : 1;
  const kernel = binaryKernel(rt, op, dtype, factor !== 1, a.storage === out.storage, b.storage === out.storage);
  runMap(rt, kernel, out.shape, [out, a, b], (p) => {
    if (computeType[dtype] === 'f32') p.setF32(6, factor);
    else p.set(6, factor);
    p.set(7, 0); // the contraction guard's zero (scaledWgsl)
  });
}

/** out[i] = f(a[i], b[i]) into a new contiguous storage; comparisons write bool. */
export function binary(rt: Runtime, op: BinaryOp, a: GpuView, b: GpuView): GpuStorage {
  const outDtype: GpuDType = comparisonOps.has(op) ? 'bool' : gpuDType(a.dtype);
  const out = outputOf(rt, outDtype, a.shape);
  binaryInto(rt, op, a, b, { ...out.view, dtype: outDtype, shape: a.shape });
  return out.storage;
}

/** out[i] = cond[i] ? a[i] : b[i]. */
export function where(rt: Runtime, cond: GpuView, a: GpuView, b: GpuView): GpuStorage {
  const dtype = gpuDType(a.dtype);
  const cdtype = gpuDType(cond.dtype);
  const [t, c] = [storageType[dtype], storageType[cdtype]];
  const bindings: Binding[] = [
    { name: 'dst', type: t, access: 'read_write' },
    { name: 'cond', type: c, access: 'read' },
    { name: 'srcA', type: t, access: 'read' },
    { name: 'srcB', type: t, access: 'read' },
  ];
  const kernel = rt.ctx.kernel(`where_${cdtype}_${dtype}`, bindings, () =>
    mapKernel(bindings, `dst[o.x] = select(srcB[o.w], srcA[o.z], ${convert('cond[o.y]', c, 'u32', true)} != 0u);`),
  );
  const out = outputOf(rt, dtype, a.shape);
  runMap(rt, kernel, a.shape, [out.view, cond, a, b]);
  return out.storage;
}
