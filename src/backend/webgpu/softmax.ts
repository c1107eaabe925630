/**
 * softmax and logSoftmax along one dim in one dispatch: a fused kernel the tensor layer can call
 * instead of composing amax, sub, exp, sum and div (five dispatches and three temporaries); and
 * their backward in one more, instead of exp (or mul), sum, mul and sub.
 *
 * One 256-thread workgroup per row (a row is the elements along `dim` at one position of the
 * other dims). The workgroup reads its row three times from global memory — max, then
 * Σ e^(x − max), then the outputs — with a tree reduction in workgroup memory after each of the
 * first two. The formulas are the composite's, so special values agree with it:
 *   softmax = e^(x − m) / Σ e^(x − m),   logSoftmax = (x − m) − ln Σ e^(x − m),   m = max (NaN-propagating).
 * The sum adds in a different order than the composite's reduce: float32 rounding may differ in
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
 * Parameters: [0] rows, [1] row length r, [2] kept ndim, [4] x offset, [5] x stride along dim,
 * [6] output stride along dim, [7] 1 for logSoftmax, [8..16) kept shape, [16..24) kept x strides,
 * [24..32) kept output strides.
 */
const bindings: Binding[] = [
  { name: 'dst', type: 'f32', access: 'read_write' },
  { name: 'src', type: 'f32', access: 'read' },
];

const softmaxWgsl = () => /* wgsl */ `
${bindingsWgsl(bindings)}
${mathWgsl}
var<workgroup> partial: array<f32, 256>;

/** The offsets of row o in x and in the output. */
fn rowBases(o: u32) -> vec2<i32> {
  var rem = o;
  var base = vec2<i32>(prm(4u), 0);
  let nd = prmu(2u);
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(8u + d);
    let c = i32(rem % size);
    rem = rem / size;
    base += c * vec2<i32>(prm(16u + d), prm(24u + d));
  }
  return base;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= prmu(0u)) { return; }
  let r = prmu(1u);
  let base = rowBases(o);
  let xs = prm(5u);

  // 1. m = max of the row
  var m = -posInf();
  for (var j = lid; j < r; j += 256u) { m = maximumF(src[base.x + i32(j) * xs], m); }
  partial[lid] = m;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = maximumF(partial[lid + s], partial[lid]); }
    workgroupBarrier();
  }
  m = partial[0];
  workgroupBarrier();

  // 2. Σ e^(x − m)
  var sum = 0.0;
  for (var j = lid; j < r; j += 256u) { sum += expF(src[base.x + i32(j) * xs] - m); }
  partial[lid] = sum;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  sum = partial[0];

  // 3. the outputs
  let logSum = logF(sum);
  for (var j = lid; j < r; j += 256u) {
    let shifted = src[base.x + i32(j) * xs] - m;
    let at = base.y + i32(j) * prm(6u);
    if (prm(7u) != 0) { dst[at] = shifted - logSum; } else { dst[at] = divF(expF(shifted), sum); }
  }
}
`;

/**
 * Parameters of the backward: [0] rows, [1] row length r, [2] kept ndim, [3] 1 for logSoftmax,
 * [4] g offset, [5] g stride along dim, [6] y offset, [7] y stride along dim, [8..16) kept shape,
 * [16..24) kept g strides, [24..32) kept y strides, [32..40) kept output strides, [40] output
 * stride along dim.
 */
const backwardBindings: Binding[] = [
  { name: 'dst', type: 'f32', access: 'read_write' },
  { name: 'grad', type: 'f32', access: 'read' },
  { name: 'y', type: 'f32', access: 'read' },
];

/**
 * One workgroup per row again: s = Σ g·y (softmax) or Σ g (logSoftmax) with a tree in workgroup
 * memory, then each output, by the composite's formulas (src/ops/reduce.ts):
 *   softmax: y · (g − s),   logSoftmax: g − e^y · s.
 */
const softmaxBackwardWgsl = () => /* wgsl */ `
${bindingsWgsl(backwardBindings)}
${mathWgsl}
var<workgroup> partial: array<f32, 256>;

/** The offsets of row o in g, y and the output. */
fn rowBases(o: u32) -> vec3<i32> {
  var rem = o;
  var base = vec3<i32>(prm(4u), prm(6u), 0);
  let nd = prmu(2u);
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(8u + d);
    let c = i32(rem % size);
    rem = rem / size;
    base += c * vec3<i32>(prm(16u + d), prm(24u + d), prm(32u + d));
  }
  return base;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= prmu(0u)) { return; }
  let r = prmu(1u);
  let base = rowBases(o);
  let isLog = prm(3u) != 0;

  var s = 0.0;
  for (var j = lid; j < r; j += 256u) {
    let gj = grad[base.x + i32(j) * prm(5u)];
    s += select(gj * y[base.y + i32(j) * prm(7u)], gj, isLog);
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h = h >> 1u) {
    if (lid < h) { partial[lid] = partial[lid] + partial[lid + h]; }
    workgroupBarrier();
  }
  s = partial[0];

  for (var j = lid; j < r; j += 256u) {
    let gj = grad[base.x + i32(j) * prm(5u)];
    let yj = y[base.y + i32(j) * prm(7u)];
    let at = base.z + i32(j) * prm(40u);
    if (isLog) { dst[at] = gj - expF(yj) * s; } else { dst[at] = yj * (gj - s); }
  }
}
`;

/** The launch grid of one workgroup per row (rows beyond 65535 wrap onto y). */
const rowGrid = (rows: number): [number, number, number] => (rows <= 65535 ? [rows, 1, 1] : [65535, Math.ceil(rows / 65535), 1]);

/** softmax (or logSoftmax when `log`) of a float32 view along `dim`, into a new contiguous storage of its shape. */
export function softmax(rt: Runtime, view: GpuView, dim: number, log: boolean): GpuStorage {
  if (gpuDType(view.dtype) !== 'float32') throw new TypeError(`webgpu softmax: expected float32, got ${view.dtype}`);
  const x = view.shape.length === 0 ? { ...view, shape: [1], strides: [1] } : view; // a 0-d tensor is one row of one
  const out = rt.storage('float32', numelOf(x.shape));
  const rows = numelOf(x.shape) / Math.max(x.shape[dim] ?? 1, 1);
  if (numelOf(x.shape) === 0) return out;
  const outStrides = contiguousStrides(x.shape);
  const kept = x.shape.map((_, d) => d).filter((d) => d !== dim);
  const k = collapse(kept.map((d) => x.shape[d]), [kept.map((d) => x.strides[d]), kept.map((d) => outStrides[d])]);
  checkDims(k.shape.length, 'softmax');
  const p = new Params()
    .set(0, rows, x.shape[dim], k.shape.length, 0, x.offset, x.strides[dim], outStrides[dim], log ? 1 : 0)
    .set(8, ...k.shape)
    .set(16, ...k.strides[0])
    .set(24, ...k.strides[1]).values;
  const kernel = rt.ctx.kernel('softmax_rows_float32', bindings, softmaxWgsl);
  rt.ctx.dispatch(kernel, p, [out.buffer, x.storage.buffer], rowGrid(rows));
  return out;
}

/** The gradient of softmax (logSoftmax when `log`) along `dim` from float32 views g and y of one shape, into a new contiguous storage. */
export function softmaxBackward(rt: Runtime, gView: GpuView, yView: GpuView, dim: number, log: boolean): GpuStorage {
  if (gpuDType(gView.dtype) !== 'float32' || gpuDType(yView.dtype) !== 'float32') {
    throw new TypeError(`webgpu softmax backward: expected float32, got ${gView.dtype} and ${yView.dtype}`);
  }
  const scalar = (v: GpuView) => (v.shape.length === 0 ? { ...v, shape: [1], strides: [1] } : v);
  const [g, y] = [scalar(gView), scalar(yView)];
  const out = rt.storage('float32', numelOf(g.shape));
  if (numelOf(g.shape) === 0) return out;
  const rows = numelOf(g.shape) / g.shape[dim];
  const outStrides = contiguousStrides(g.shape);
  const kept = g.shape.map((_, d) => d).filter((d) => d !== dim);
  const k = collapse(kept.map((d) => g.shape[d]), [kept.map((d) => g.strides[d]), kept.map((d) => y.strides[d]), kept.map((d) => outStrides[d])]);
  checkDims(k.shape.length, 'softmax backward');
  const p = new Params()
    .set(0, rows, g.shape[dim], k.shape.length, log ? 1 : 0, g.offset, g.strides[dim], y.offset, y.strides[dim])
    .set(8, ...k.shape)
    .set(16, ...k.strides[0])
    .set(24, ...k.strides[1])
    .set(32, ...k.strides[2])
    .set(40, outStrides[dim]).values;
  const kernel = rt.ctx.kernel('softmax_backward_rows_float32', backwardBindings, softmaxBackwardWgsl);
  rt.ctx.dispatch(kernel, p, [out.buffer, g.storage.buffer, y.storage.buffer], rowGrid(rows));
  return out;
}
