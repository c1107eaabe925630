/**
 * Reductions: sum, prod, max, min over any set of dims, and argmax/argmin over one.
 *
 * The view is split into kept dims (one output each) and reduced dims (a group of r elements per
 * output), each merged where contiguous. Three shapes of work:
 * - serial: one thread per output walks its r elements (short groups, or many outputs — every
 *   thread busy is what counts);
 * - tree: one 256-thread workgroup per output; thread t sums elements t, t+256, …, then the
 *   workgroup halves its 256 partial results 8 times through workgroup memory (log2 256 steps,
 *   each with a barrier), so a long row costs r/256 + 8 steps instead of r;
 * - split: few outputs with very long groups (a full sum of a big tensor) would leave most of the
 *   GPU idle with one workgroup each, so each group is cut into chunks of 8192, one workgroup per
 *   chunk, and a second tree pass reduces the chunks' partials.
 * float32 sums add with Kahan compensation inside each thread's run (the reference accumulates in
 * double), so long sums stay close to the reference. Where the tree combines partial results, a
 * max or min whose extreme is zero may return −0 where the reference returns +0 or the reverse
 * (the reference keeps the first of equal values; the tree's order is not the row's).
 */
import type { ArgReduceOp, ReduceOp } from '../backend.js';
import type { DType } from '../../dtype.js';
import { checkDims, collapse, grid1d, Params } from './layout.js';
import { mathWgsl } from './math.js';
import type { Runtime } from './runtime.js';
import type { GpuStorage, GpuView } from './storage.js';
import { bindingsWgsl, computeType, convert, gpuDType, storageType, type Binding, type GpuDType, type WgslScalar } from './wgsl.js';

/** Above this many outputs, one thread per output already fills the GPU. */
const SERIAL_OUTPUTS = 8192;
/** Groups this short are reduced by one thread. */
const SERIAL_GROUP = 64;
/** Elements per workgroup in the split pass. */
const CHUNK = 8192;

/**
 * Parameters: [0] outputs of this pass, [1] r, [2] kept ndim, [3] reduced ndim, [4] offset,
 * [5] chunk length, [6] chunks per output, [8..16) kept shape, [16..24) kept strides,
 * [24..32) reduced shape, [32..40) reduced strides.
 */
const offsetsWgsl = /* wgsl */ `
fn keptOffset(o: u32) -> i32 { return stridedOffset(o, prm(4u), prmu(2u), 8u, 16u); }
fn reducedOffset(j: u32) -> i32 { return stridedOffset(j, 0, prmu(3u), 24u, 32u); }
`;

/** The accumulator's start and step for each op and accumulator type. */
function combineOf(op: ReduceOp, t: 'f32' | 'i32'): { init: string; step: (acc: string, v: string) => string } {
  const f = t === 'f32';
  switch (op) {
    case 'sum':
      return { init: f ? '0.0' : '0', step: (acc, v) => `${acc} + ${v}` };
    case 'prod':
      return { init: f ? '1.0' : '1', step: (acc, v) => `${acc} * ${v}` };
    // (v first: on a tie of -0 and 0 the earlier value stays, as in the reference's serial loop)
    case 'max':
      return { init: f ? '-posInf()' : '(-2147483647 - 1)', step: (acc, v) => (f ? `maximumF(${v}, ${acc})` : `max(${acc}, ${v})`) };
    case 'min':
      return { init: f ? 'posInf()' : '2147483647', step: (acc, v) => (f ? `minimumF(${v}, ${acc})` : `min(${acc}, ${v})`) };
  }
}

/** The type a reduction accumulates in: float when either side is float, else exact int32. */
function accumulatorOf(op: ReduceOp, input: GpuDType, out: GpuDType): 'f32' | 'i32' {
  if (op === 'max' || op === 'min') return computeType[input];
  return input === 'float32' || out === 'float32' ? 'f32' : 'i32';
}

function reduceKernel(rt: Runtime, op: ReduceOp, input: GpuDType, out: GpuDType, tree: boolean) {
  const acc = accumulatorOf(op, input, out);
  const [it, ot] = [storageType[input], storageType[out]];
  const bindings: Binding[] = [
    { name: 'dst', type: ot, access: 'read_write' },
    { name: 'src', type: it, access: 'read' },
  ];
  return rt.ctx.kernel(`reduce_${tree ? 'tree' : 'serial'}_${op}_${input}_${out}`, bindings, () => {
    const { init, step } = combineOf(op, acc);
    const load = (off: string) => convert(`src[${off}]`, it, acc);
    const store = (v: string) => convert(v, acc, ot, out === 'bool');
    const kahan = op === 'sum' && acc === 'f32';
    // one thread's run over elements first, first + stride, … < end
    const run = (first: string, end: string, stride: string) =>
      kahan
        ? `var acc = 0.0;
  var lost = 0.0; // Kahan: the low-order part the last addition dropped
  for (var j = ${first}; j < ${end}; j += ${stride}) {
    let y = ${load('base + reducedOffset(j)')} - lost;
    let t = acc + y;
    lost = select((t - acc) - y, 0.0, isInf(t)); // (an infinite sum has nothing to compensate)
    acc = t;
  }`
        : `var acc: ${acc} = ${init};
  for (var j = ${first}; j < ${end}; j += ${stride}) { acc = ${step('acc', load('base + reducedOffset(j)'))}; }`;
    if (!tree) {
      return /* wgsl */ `
${bindingsWgsl(bindings)}
${offsetsWgsl}
${mathWgsl}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = linearIndex(wid, nwg, lid);
  if (o >= prmu(0u)) { return; }
  let base = keptOffset(o);
  ${run('0u', 'prmu(1u)', '1u')}
  dst[o] = ${store('acc')};
}
`;
    }
    return /* wgsl */ `
${bindingsWgsl(bindings)}
${offsetsWgsl}
${mathWgsl}
var<workgroup> partial: array<${acc}, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x; // this workgroup's (output, chunk)
  if (g >= prmu(0u)) { return; }
  let chunks = prmu(6u);
  let start = (g % chunks) * prmu(5u);
  let end = min(start + prmu(5u), prmu(1u));
  let base = keptOffset(g / chunks);
  ${run('start + lid', 'end', '256u')}
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = ${step('partial[lid]', 'partial[lid + s]')}; }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[g] = ${store('partial[0]')}; }
}
`;
  });
}

/** Kept and reduced parts of a view, each merged where contiguous. */
function split(x: GpuView, dims: readonly number[]) {
  const kept = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const k = collapse(kept.map((d) => x.shape[d]), [kept.map((d) => x.strides[d])]);
  const r = collapse(dims.map((d) => x.shape[d]), [dims.map((d) => x.strides[d])]);
  checkDims(Math.max(k.shape.length, r.shape.length), 'reduce');
  const outputs = kept.reduce((n, d) => n * x.shape[d], 1);
  const group = dims.reduce((n, d) => n * x.shape[d], 1);
  return { k, r, outputs, group };
}

/** Reduces `dims` of `x`; the output (contiguous, kept dims only) has one element per kept position. */
export function reduce(rt: Runtime, op: ReduceOp, x: GpuView, dims: readonly number[], outDtype: DType): GpuStorage {
  const input = gpuDType(x.dtype);
  const out = gpuDType(outDtype);
  const { k, r, outputs, group } = split(x, dims);
  const dst = rt.storage(out, outputs);
  if (outputs === 0) return dst;
  const params = (passOutputs: number, chunk: number, chunks: number) =>
    new Params()
      .set(0, passOutputs, group, k.shape.length, r.shape.length, x.offset, chunk, chunks)
      .set(8, ...k.shape)
      .set(16, ...k.strides[0])
      .set(24, ...r.shape)
      .set(32, ...r.strides[0]).values;

  if (group <= SERIAL_GROUP || outputs >= SERIAL_OUTPUTS) {
    rt.ctx.dispatch(reduceKernel(rt, op, input, out, false), params(outputs, group, 1), [dst.buffer, x.storage.buffer], grid1d(outputs));
    return dst;
  }
  const chunks = outputs < 256 && group > 4 * CHUNK ? Math.min(Math.ceil(group / CHUNK), 1024) : 1;
  const groups = (n: number): [number, number, number] => (n <= 65535 ? [n, 1, 1] : [65535, Math.ceil(n / 65535), 1]);
  if (chunks === 1) {
    rt.ctx.dispatch(reduceKernel(rt, op, input, out, true), params(outputs, group, 1), [dst.buffer, x.storage.buffer], groups(outputs));
    return dst;
  }
  // split: partial results per chunk in the accumulator's dtype, then a tree over each output's chunks
  const acc = accumulatorOf(op, input, out);
  const partialType: GpuDType = acc === 'f32' ? 'float32' : 'int32';
  const chunk = Math.ceil(group / chunks);
  const partials = rt.scratch(partialType, outputs * chunks);
  rt.ctx.dispatch(reduceKernel(rt, op, input, partialType, true), params(outputs * chunks, chunk, chunks), [partials.buffer, x.storage.buffer], groups(outputs * chunks));
  const second = new Params().set(0, outputs, chunks, 1, 1, 0, chunks, 1).set(8, outputs).set(16, chunks).set(24, chunks).set(32, 1).values;
  rt.ctx.dispatch(reduceKernel(rt, op, partialType, out, true), second, [dst.buffer, partials.buffer], groups(outputs));
  rt.free(partials);
  return dst;
}

// ---- argmax / argmin -------------------------------------------------------------------------------

/** "Is (v, i) a better pick than (bv, bi)?": the extreme value, NaN above all, the first index on ties. */
function betterWgsl(op: ArgReduceOp, t: WgslScalar): string {
  const cmp = op === 'argmax' ? '>' : '<';
  if (t !== 'f32') {
    return `fn better(v: ${t}, i: u32, bv: ${t}, bi: u32) -> bool {
  if (bi == NONE) { return true; }
  if (i == NONE) { return false; }
  return v ${cmp} bv || (v == bv && i < bi);
}`;
  }
  return `fn better(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  if (bi == NONE) { return true; }
  if (i == NONE) { return false; }
  if (isNan(bv)) { return isNan(v) && i < bi; }
  if (isNan(v)) { return true; }
  return orderKey(v) ${cmp} orderKey(bv) || (orderKey(v) == orderKey(bv) && i < bi);
}`;
}

function argKernel(rt: Runtime, op: ArgReduceOp, input: GpuDType, tree: boolean) {
  const t = input === 'int32' ? 'i32' : 'f32';
  const it = storageType[input];
  const bindings: Binding[] = [
    { name: 'dst', type: 'i32', access: 'read_write' },
    { name: 'src', type: it, access: 'read' },
  ];
  return rt.ctx.kernel(`arg_${tree ? 'tree' : 'serial'}_${op}_${input}`, bindings, () => {
    const load = (j: string) => convert(`src[base + i32(${j}) * prm(5u)]`, it, t);
    const run = (first: string, stride: string) => `var best: ${t} = ${t}(0);
  var bi = NONE;
  for (var j = ${first}; j < prmu(1u); j += ${stride}) {
    let v = ${load('j')};
    if (better(v, j, best, bi)) { best = v; bi = j; }
  }`;
    const common = `${bindingsWgsl(bindings)}
${offsetsWgsl}
${mathWgsl}
const NONE = 0xffffffffu;
${betterWgsl(op, t)}`;
    if (!tree) {
      return /* wgsl */ `${common}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = linearIndex(wid, nwg, lid);
  if (o >= prmu(0u)) { return; }
  let base = keptOffset(o);
  ${run('0u', '1u')}
  dst[o] = i32(select(bi, 0u, bi == NONE));
}
`;
    }
    return /* wgsl */ `${common}
var<workgroup> bestValue: array<${t}, 256>;
var<workgroup> bestIndex: array<u32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= prmu(0u)) { return; }
  let base = keptOffset(o);
  ${run('lid', '256u')}
  bestValue[lid] = best;
  bestIndex[lid] = bi;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid < s && better(bestValue[lid + s], bestIndex[lid + s], bestValue[lid], bestIndex[lid])) {
      bestValue[lid] = bestValue[lid + s];
      bestIndex[lid] = bestIndex[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[o] = i32(select(bestIndex[0], 0u, bestIndex[0] == NONE)); }
}
`;
  });
}

/** int32 positions of the first extremum along `dim` (NaN counts as largest and smallest). */
export function argReduce(rt: Runtime, op: ArgReduceOp, x: GpuView, dim: number): GpuStorage {
  const input = gpuDType(x.dtype);
  const { k, outputs, group } = split(x, [dim]);
  const dst = rt.storage('int32', outputs);
  if (outputs === 0) return dst;
  const p = new Params()
    .set(0, outputs, group, k.shape.length, 0, x.offset, x.strides[dim])
    .set(8, ...k.shape)
    .set(16, ...k.strides[0]).values;
  const tree = group > SERIAL_GROUP && outputs < SERIAL_OUTPUTS;
  const groups: [number, number, number] = tree ? (outputs <= 65535 ? [outputs, 1, 1] : [65535, Math.ceil(outputs / 65535), 1]) : grid1d(outputs);
  rt.ctx.dispatch(argKernel(rt, op, input, tree), p, [dst.buffer, x.storage.buffer], groups);
  return dst;
}
