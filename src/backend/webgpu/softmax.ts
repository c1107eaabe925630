/**
 * softmax and logSoftmax along one dim in one dispatch: a fused kernel the tensor layer can call
 * instead of composing amax, sub, exp, sum and div (five dispatches and three temporaries); and
 * their backward in one more, instead of exp (or mul), sum, mul and sub.
 *
 * One 256-thread workgroup per row (a row is the elements along `dim` at one position of the
 * other dims). The forward reads its row three times from global memory — max, then
 * Σ e^(x − max), then the outputs — with a tree reduction in workgroup memory after each of the
 * first two. The formulas are the composite's, so special values agree with it:
 *   softmax = e^(x − m) / Σ e^(x − m),   logSoftmax = (x − m) − ln Σ e^(x − m),   m = max (NaN-propagating).
 * The backward, from the output gradient g and the forward's output y, reads its rows twice:
 *   s = Σ g·y (softmax) or Σ g (logSoftmax), then   y · (g − s)   or   g − e^y · s.
 * The sums add in a different order than the composite's reduce: float32 rounding may differ in
 * the last bits.
 *
 * Optional in the Backend interface: src/ops/reduce.ts calls `backend.softmax(view, dim, log)` and
 * `backend.softmaxBackward(g, y, dim, log)` for float32 tensors, and composes the primitives
 * elsewhere.
 */
import { contiguousStrides, numelOf } from '../../shape.js';
import { checkDims, collapse, Params } from './layout.js';
import { mathWgsl } from './math.js';
import type { Runtime } from './runtime.js';
import type { GpuStorage, GpuView } from './storage.js';
import { bindingsWgsl, gpuDType, type Binding } from './wgsl.js';

/**
 * Parameters of both kernels, over views numbered v = 0, 1, … (the inputs, then the output):
 * [0] rows, [1] row length r, [2] kept ndim, [3] 1 for logSoftmax, [4 + v] offset of view v,
 * [8..16) kept shape, [16 + 8v, 24 + 8v) kept strides of view v, [40 + v] stride along dim of view v.
 */
const rowsWgsl = /* wgsl */ `
${mathWgsl}
var<workgroup> partial: array<f32, 256>;

/** The offset of row o (a position of the kept dims) in view v. */
fn rowBase(o: u32, v: u32) -> i32 {
  var rem = o;
  var base = prm(4u + v);
  let nd = prmu(2u);
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(8u + d);
    base += i32(rem % size) * prm(16u + 8u * v + d);
    rem = rem / size;
  }
  return base;
}

/** The offset of element j of a row starting at base in view v. */
fn along(base: i32, j: u32, v: u32) -> i32 { return base + i32(j) * prm(40u + v); }

/** The sum of every thread's x, for every thread: a tree in workgroup memory. */
fn treeSum(x: f32, lid: u32) -> f32 {
  partial[lid] = x;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h = h >> 1u) {
    if (lid < h) { partial[lid] = partial[lid] + partial[lid + h]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier(); // read by all before the next tree writes
  return total;
}

/** The maximum (NaN-propagating) of every thread's x, for every thread. */
fn treeMax(x: f32, lid: u32) -> f32 {
  partial[lid] = x;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h = h >> 1u) {
    if (lid < h) { partial[lid] = maximumF(partial[lid + h], partial[lid]); }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
`;

/** The WGSL of a kernel over rows, one workgroup each: `body` runs with o (the row), r (its length) and lid. */
const rowKernel = (bindings: readonly Binding[], body: string) => () => /* wgsl */ `
${bindingsWgsl(bindings)}
${rowsWgsl}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= prmu(0u)) { return; }
  let r = prmu(1u);
${body}
}
`;

const forwardBindings: Binding[] = [
  { name: 'dst', type: 'f32', access: 'read_write' },
  { name: 'src', type: 'f32', access: 'read' },
];

// views: 0 x, 1 the output
const forwardWgsl = rowKernel(
  forwardBindings,
  /* wgsl */ `
  let xBase = rowBase(o, 0u);
  let outBase = rowBase(o, 1u);

  var m = -posInf();
  for (var j = lid; j < r; j += 256u) { m = maximumF(src[along(xBase, j, 0u)], m); }
  m = treeMax(m, lid);

  var sum = 0.0;
  for (var j = lid; j < r; j += 256u) { sum += expF(src[along(xBase, j, 0u)] - m); }
  sum = treeSum(sum, lid);

  let logSum = logF(sum);
  for (var j = lid; j < r; j += 256u) {
    let shifted = src[along(xBase, j, 0u)] - m;
    let at = along(outBase, j, 1u);
    if (prm(3u) != 0) { dst[at] = shifted - logSum; } else { dst[at] = divF(expF(shifted), sum); }
  }`,
);

const backwardBindings: Binding[] = [
  { name: 'dst', type: 'f32', access: 'read_write' },
  { name: 'grad', type: 'f32', access: 'read' },
  { name: 'y', type: 'f32', access: 'read' },
];

// views: 0 g, 1 y, 2 the output
const backwardWgsl = rowKernel(
  backwardBindings,
  /* wgsl */ `
  let gBase = rowBase(o, 0u);
  let yBase = rowBase(o, 1u);
  let outBase = rowBase(o, 2u);
  let isLog = prm(3u) != 0;

  var s = 0.0;
  for (var j = lid; j < r; j += 256u) {
    let gj = grad[along(gBase, j, 0u)];
    s += select(gj * y[along(yBase, j, 1u)], gj, isLog);
  }
  s = treeSum(s, lid);

  for (var j = lid; j < r; j += 256u) {
    let gj = grad[along(gBase, j, 0u)];
    let yj = y[along(yBase, j, 1u)];
    let at = along(outBase, j, 2u);
    if (isLog) { dst[at] = gj - expF(yj) * s; } else { dst[at] = yj * (gj - s); }
  }`,
);

/**
 * Runs `kernel` over the rows along `dim` of float32 `inputs` (one shape), one workgroup a row,
 * into a new contiguous storage of that shape.
 */
function runRows(rt: Runtime, kernel: ReturnType<Runtime['ctx']['kernel']>, what: string, inputs: readonly GpuView[], dim: number, log: boolean): GpuStorage {
  for (const v of inputs) {
    if (gpuDType(v.dtype) !== 'float32') throw new TypeError(`webgpu ${what}: expected float32, got ${v.dtype}`);
  }
  // a 0-d tensor is one row of one
  const views = inputs.map((v) => (v.shape.length === 0 ? { ...v, shape: [1], strides: [1] } : v));
  const shape = views[0].shape;
  const out = rt.storage('float32', numelOf(shape));
  if (numelOf(shape) === 0) return out;
  const strides = [...views.map((v) => v.strides), contiguousStrides(shape)];
  const rows = numelOf(shape) / shape[dim];
  const kept = shape.map((_, d) => d).filter((d) => d !== dim);
  const k = collapse(kept.map((d) => shape[d]), strides.map((s) => kept.map((d) => s[d])));
  checkDims(k.shape.length, what);
  const p = new Params().set(0, rows, shape[dim], k.shape.length, log ? 1 : 0, ...views.map((v) => v.offset), 0).set(8, ...k.shape);
  k.strides.forEach((s, v) => p.set(16 + 8 * v, ...s));
  p.set(40, ...strides.map((s) => s[dim]));
  rt.ctx.dispatch(kernel, p.values, [out.buffer, ...views.map((v) => v.storage.buffer)], rows <= 65535 ? [rows, 1, 1] : [65535, Math.ceil(rows / 65535), 1]);
  return out;
}

/** softmax (or logSoftmax when `log`) of a float32 view along `dim`, into a new contiguous storage of its shape. */
export function softmax(rt: Runtime, x: GpuView, dim: number, log: boolean): GpuStorage {
  return runRows(rt, rt.ctx.kernel('softmax_rows_float32', forwardBindings, forwardWgsl), 'softmax', [x], dim, log);
}

/** The gradient of softmax (logSoftmax when `log`) along `dim` from float32 views g and y of one shape, into a new contiguous storage. */
export function softmaxBackward(rt: Runtime, g: GpuView, y: GpuView, dim: number, log: boolean): GpuStorage {
  return runRows(rt, rt.ctx.kernel('softmax_backward_rows_float32', backwardBindings, backwardWgsl), 'softmax backward', [g, y], dim, log);
}
