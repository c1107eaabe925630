/**
 * gather and scatter along one dim, and the index check.
 *
 * Index bounds. The reference throws PyTorch's "index 5 is out of bounds for dimension 0 with
 * size 3" before writing anything; a GPU kernel cannot throw into the JavaScript that queued it.
 * So on webgpu an out-of-range index is *reported*: the kernel records the first bad index (value,
 * dim, size) in the context's error buffer, gather writes 0 for it and scatter skips it, and the
 * next read (`await x.data()`, `itemAsync()`) throws that same message, like CUDA's device-side
 * assertions surfacing at the next synchronisation. `checkIndex` reports the same way for the
 * tensor layer's own checks (x[index], index_select, one_hot, nll_loss's targets), which the
 * tensor layer makes by reading the index where a device can read synchronously. Which bad value
 * is reported, when there are several, depends on which thread gets there first.
 *
 * Scatter with repeated indices. With `accumulate` every value is added (atomically: integers with
 * atomicAdd, floats with a compare-and-swap loop on their bits, since WGSL has no float atomics;
 * the order of float additions, and so the last bit, can vary). Without it the reference lets the
 * last write win, in index order; a parallel write would let any win, so a first pass claims each
 * destination for the largest index that targets it (atomicMax), and a second pass lets only that
 * one write: the same result as the reference, every time.
 */
import { indexCheckRange, type IndexCheck } from '../backend.js';
import { contiguousStrides, numelOf } from '../../shape.js';
import { copy, fillStorage } from './elementwise.js';
import { checkDims, collapse, grid1d, Params } from './layout.js';
import type { Runtime } from './runtime.js';
import type { GpuStorage, GpuView } from './storage.js';
import { bindingsWgsl, convert, ErrorCode, errorWgsl, gpuDType, storageType, type Binding } from './wgsl.js';

/**
 * Merges the dims before `dim` and those after it (each where all views walk them contiguously),
 * keeping `dim` itself; returns the merged shape, each view's strides, and where `dim` went.
 */
function layoutAround(shape: readonly number[], dim: number, strides: readonly (readonly number[])[]) {
  const before = collapse(shape.slice(0, dim), strides.map((s) => s.slice(0, dim)));
  const after = collapse(shape.slice(dim + 1), strides.map((s) => s.slice(dim + 1)));
  const merged = {
    shape: [...before.shape, shape[dim], ...after.shape],
    strides: strides.map((s, k) => [...before.strides[k], s[dim], ...after.strides[k]]),
    dim: before.shape.length,
  };
  checkDims(merged.shape.length, 'gather/scatter');
  return merged;
}

/**
 * Walks the index's coordinates: `io` (index offset), `xo` (offset in the indexed view, without
 * the `dim` term) and `so` (src offset, scatter only). Parameters: [0] n, [1] ndim, [2] dim,
 * [3] size of dim, [4] x/dst offset, [5] index offset, [6] src offset, [7] dim as the user gave it,
 * [8..16) index shape, [16..24) index strides, [24..32) x/dst strides, [32..40) src strides.
 */
const walkWgsl = /* wgsl */ `
struct Walk { io: i32, xo: i32, so: i32 }
fn walk(i: u32) -> Walk {
  var w = Walk(prm(5u), prm(4u), prm(6u));
  var rem = i;
  let nd = prmu(1u);
  let dim = prmu(2u);
  for (var k = 0u; k < nd; k++) {
    let d = nd - 1u - k;
    let size = prmu(8u + d);
    let c = i32(rem % size);
    rem = rem / size;
    w.io += c * prm(16u + d);
    w.so += c * prm(32u + d);
    if (d != dim) { w.xo += c * prm(24u + d); }
  }
  return w;
}
`;

const kernelMain = (body: string) => /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= prmu(0u)) { return; }
  let w = walk(i);
  let k = index[w.io];
  let size = prm(3u);
  ${body}
}
`;

function params(index: GpuView, userDim: number, xOffset: number, layout: ReturnType<typeof layoutAround>, size: number, srcOffset = 0): Params['values'] {
  const p = new Params()
    .set(0, numelOf(index.shape), layout.shape.length, layout.dim, size, xOffset, index.offset, srcOffset, userDim)
    .set(8, ...layout.shape)
    .set(16, ...layout.strides[0])
    .set(24, ...layout.strides[1]);
  if (layout.strides[2]) p.set(32, ...layout.strides[2]);
  return p.values;
}

/** out[p] = x[p with p[dim] = index[p]]; the output has the index's shape. */
export function gather(rt: Runtime, x: GpuView, dim: number, index: GpuView): GpuStorage {
  const dtype = gpuDType(x.dtype);
  const t = storageType[dtype];
  const out = rt.storage(dtype, numelOf(index.shape));
  const n = numelOf(index.shape);
  if (n === 0) return out;
  const bindings: Binding[] = [
    { name: 'dst', type: t, access: 'read_write' },
    { name: 'src', type: t, access: 'read' },
    { name: 'index', type: 'i32', access: 'read' },
  ];
  const kernel = rt.ctx.kernel(
    `gather_${dtype}`,
    bindings,
    () => `${bindingsWgsl(bindings)}
${errorWgsl}
${walkWgsl}
${kernelMain(`if (k < 0 || k >= size) { report(${ErrorCode.indexOutOfBounds}u, k, prm(7u), size); dst[i] = ${t}(0); return; }
  dst[i] = src[w.xo + k * prm(24u + prmu(2u))];`)}`,
    true,
  );
  const layout = layoutAround(index.shape, dim, [index.strides, x.strides]);
  rt.ctx.dispatch(kernel, params(index, dim, x.offset, layout, x.shape[dim]), [out.buffer, x.storage.buffer, index.storage.buffer], grid1d(n));
  return out;
}

/** dst[p with p[dim] = index[p]] = src[p] (or += when `accumulate`), in place. */
export function scatter(rt: Runtime, dst: GpuView, dim: number, index: GpuView, src: GpuView, accumulate: boolean): void {
  const dtype = gpuDType(dst.dtype);
  const n = numelOf(index.shape);
  if (n === 0) return;
  // a kernel may not read a buffer it writes: copy an index or src that lives in dst's storage
  const temps: GpuStorage[] = [];
  const separate = (v: GpuView): GpuView => {
    if (v.storage !== dst.storage) return v;
    const storage = copy(rt, v, gpuDType(v.dtype));
    temps.push(storage);
    return { ...v, storage, strides: contiguousStrides(v.shape), offset: 0 };
  };
  const idx = separate(index);
  const values = separate(src);
  const t = storageType[dtype];
  const st = storageType[gpuDType(values.dtype)];
  const layout = layoutAround(idx.shape, dim, [idx.strides, dst.strides, values.strides]);
  const p = params(idx, dim, dst.offset, layout, dst.shape[dim], values.offset);
  const groups = grid1d(n);
  const value = convert('src[w.so]', st, t, dtype === 'bool');
  const target = 'w.xo + k * prm(24u + prmu(2u))';
  const common = `${walkWgsl}`;

  if (accumulate) {
    const bindings: Binding[] = [
      { name: 'dst', type: t === 'i32' ? 'atomic<i32>' : 'atomic<u32>', access: 'read_write' },
      { name: 'src', type: st, access: 'read' },
      { name: 'index', type: 'i32', access: 'read' },
    ];
    const add =
      dtype === 'int32'
        ? `atomicAdd(&dst[at], ${value});`
        : dtype === 'bool'
          ? `if (${value} != 0u) { atomicOr(&dst[at], 1u); }`
          : `let v = ${value};
  loop { // no float atomics in WGSL: add to the bits with compare-and-swap until no other thread intervened
    let old = atomicLoad(&dst[at]);
    if (atomicCompareExchangeWeak(&dst[at], old, bitcast<u32>(bitcast<f32>(old) + v)).exchanged) { break; }
  }`;
    const kernel = rt.ctx.kernel(
      `scatter_add_${dtype}`,
      bindings,
      () => `${bindingsWgsl(bindings)}
${errorWgsl}
${common}
${kernelMain(`if (k < 0 || k >= size) { report(${ErrorCode.indexOutOfBounds}u, k, prm(7u), size); return; }
  let at = ${target};
  ${add}`)}`,
      true,
    );
    rt.ctx.dispatch(kernel, p, [dst.storage.buffer, values.storage.buffer, idx.storage.buffer], groups);
  } else {
    // pass 1: each destination remembers the largest (last, in index order) i that targets it
    const claims = rt.scratch('int32', dst.storage.length);
    fillStorage(rt, claims, 0);
    const claimBindings: Binding[] = [
      { name: 'claims', type: 'atomic<u32>', access: 'read_write' },
      { name: 'index', type: 'i32', access: 'read' },
    ];
    const claim = rt.ctx.kernel(
      'scatter_claim',
      claimBindings,
      () => `${bindingsWgsl(claimBindings)}
${errorWgsl}
${common}
${kernelMain(`if (k < 0 || k >= size) { report(${ErrorCode.indexOutOfBounds}u, k, prm(7u), size); return; }
  atomicMax(&claims[${target}], i + 1u);`)}`,
      true,
    );
    rt.ctx.dispatch(claim, p, [claims.buffer, idx.storage.buffer], groups);
    // pass 2: only the claimed writer writes
    const bindings: Binding[] = [
      { name: 'dst', type: t, access: 'read_write' },
      { name: 'src', type: st, access: 'read' },
      { name: 'index', type: 'i32', access: 'read' },
      { name: 'claims', type: 'u32', access: 'read' },
    ];
    const write = rt.ctx.kernel(
      `scatter_write_${dtype}`,
      bindings,
      () => `${bindingsWgsl(bindings)}
${common}
${kernelMain(`if (k < 0 || k >= size) { return; }
  let at = ${target};
  if (claims[at] == i + 1u) { dst[at] = ${value}; }`)}`,
    );
    rt.ctx.dispatch(write, p, [dst.storage.buffer, values.storage.buffer, idx.storage.buffer, claims.buffer], groups);
    rt.free(claims);
  }
  for (const s of temps) rt.free(s);
}

/** The error code each kind of index check reports (see `errorMessage` in wgsl.ts). */
const checkCode = {
  dim: ErrorCode.indexOutOfBounds,
  select: ErrorCode.indexOutOfRange,
  class: ErrorCode.classOutOfRange,
  target: ErrorCode.targetOutOfBounds,
} as const;

/**
 * Reports an element of the int32 view `index` outside `check`'s range [low, high) (backend.ts),
 * but for a `target` check's `ignore` value.
 * Parameters: [0] n, [1] ndim, [2] offset, [3] low, [4] high, [5] error code, [6] dim (`dim`) or
 * ignore (`target`), [7] size, [8..16) shape, [16..24) strides, [24] 1 if [6] is a value to let through.
 */
export function checkIndex(rt: Runtime, index: GpuView, check: IndexCheck): void {
  const n = numelOf(index.shape);
  if (n === 0) return;
  const merged = collapse(index.shape, [index.strides]);
  checkDims(merged.shape.length, 'checkIndex');
  const bindings: Binding[] = [{ name: 'index', type: 'i32', access: 'read' }];
  const kernel = rt.ctx.kernel(
    'check_index',
    bindings,
    () => /* wgsl */ `${bindingsWgsl(bindings)}
${errorWgsl}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= prmu(0u)) { return; }
  let v = index[stridedOffset(i, prm(2u), prmu(1u), 8u, 16u)];
  let ignored = prm(24u) == 1 && v == prm(6u);
  if ((v < prm(3u) || v >= prm(4u)) && !ignored) { report(prmu(5u), v, prm(6u), prm(7u)); }
}
`,
    true,
  );
  const [low, high] = indexCheckRange(check);
  // an ignore value outside int32 matches no index, and would wrap to one in the int32 parameters
  const ignores = check.kind === 'target' && check.ignore === (check.ignore | 0);
  const extra = check.kind === 'dim' ? check.dim : ignores ? check.ignore : 0;
  const p = new Params()
    .set(0, n, merged.shape.length, index.offset, low, high, checkCode[check.kind], extra, check.size)
    .set(8, ...merged.shape)
    .set(16, ...merged.strides[0])
    .set(24, ignores ? 1 : 0);
  rt.ctx.dispatch(kernel, p.values, [index.storage.buffer], grid1d(n));
}
