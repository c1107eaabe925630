/**
 * Indexing: `x.index(...)` reads (PyTorch's `x[...]`), `x.indexPut_(...)` writes (`x[...] = v`),
 * and the index-tensor ops `gather`, `scatter`, `indexSelect`, `maskedFill`, `nonzero`, `oneHot`.
 *
 * Basic indexing (integers, slices, `null`, `'...'`) only changes a view's geometry, so it shares
 * storage. Advanced indexing (int or bool tensors) picks arbitrary elements: we compute the
 * storage offset of every picked element with integer tensor arithmetic, then `gather` them from
 * (or `scatter` them into) the storage seen as one flat vector. Reads and writes share that path,
 * but for a write through one bool mask of a value that is the same at every true element, which
 * is a `where` over the masked dims.
 *
 * Index values are checked where the device allows: a device that reads synchronously (js, wasm)
 * has the index read here and the error thrown at the call, as PyTorch does on the CPU; one that
 * cannot (webgpu) checks it in a kernel (`Backend.checkIndex`) and throws at the next read, as
 * CUDA's device-side asserts do (what a bad index wrote meanwhile is unspecified). What depends on
 * the count of some values (a bool mask's true elements, nonzero, oneHot without numClasses) needs
 * them on the CPU, so it refuses a webgpu tensor with a message that says what to do instead.
 */
import { indexCheckMessage, indexCheckRange, type IndexCheck } from '../backend/backend.js';
import { backendOf, readsSynchronously } from '../device.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import type { Device } from '../device.js';
import { isFloating, type DType, type TypedArray } from '../dtype.js';
import { fmtShape, broadcastShapes, broadcastsTo, normalizeDim, numelOf, type Shape } from '../shape.js';
import { Tensor, viewOf, wrap, type IndexItem, type TensorLike } from '../tensor.js';
import { arange, asTensor, bumpVersion, checkInplace, checkWritable, fromTypedArray, inplace_, write } from './creation.js';
import { checkSameDevice, where } from './elementwise.js';
import { sumToShape } from './reduce.js';

/** A parsed slice `start:stop:step`; missing parts are undefined. */
interface Slice {
  start?: number;
  stop?: number;
  step?: number;
}

function parseSlice(text: string): Slice {
  const parts = text.split(':');
  const number = (s: string): number | undefined => {
    if (s.trim() === '') return undefined;
    const n = Number(s);
    if (!Number.isInteger(n)) throw new TypeError(`index(): invalid slice '${text}'`);
    return n;
  };
  if (parts.length < 2 || parts.length > 3) {
    throw new TypeError(`index(): invalid index string '${text}'; expected a slice like '1:3' or '::2', ':' or '...'`);
  }
  const [start, stop, step] = parts.map(number);
  if (step !== undefined && step <= 0) throw new RangeError(step === 0 ? 'slice step cannot be zero' : 'step must be greater than zero');
  return { start, stop, step };
}

/** Python's slice bounds: negative counts from the end, then clamp into [0, size]. */
function sliceRange({ start, stop, step = 1 }: Slice, size: number): { start: number; length: number; step: number } {
  const clampTo = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = start === undefined ? 0 : clampTo(start);
  const to = stop === undefined ? size : clampTo(stop);
  return { start: from, length: Math.max(0, Math.ceil((to - from) / step)), step };
}

/** How many dims of the input an item consumes (`null` adds one, `'...'` is resolved separately). */
const dimsUsed = (item: IndexItem): number =>
  item === null || item === '...' ? 0 : item instanceof Tensor && item.dtype === 'bool' ? Math.max(item.ndim, 1) : 1;

/**
 * The result of the basic pass: a view, plus the advanced index tensors and the first of the view's
 * dims each indexes (an int tensor indexes one, a bool mask as many as it has, at least one).
 */
interface BasicResult {
  view: Tensor;
  advanced: { dim: number; index: Tensor }[];
}

/** Applies integers, slices, `null` and `'...'` as a view, leaving tensor indices (checked) for the advanced pass. */
function basicIndex(x: Tensor, items: readonly IndexItem[]): BasicResult {
  const ellipses = items.filter((i) => i === '...').length;
  if (ellipses > 1) throw new RangeError('an index can only have a single ellipsis (...)');
  const used = items.reduce<number>((n, item) => n + dimsUsed(item), 0);
  if (used > x.ndim) throw new RangeError(`too many indices for tensor of dimension ${x.ndim}`);
  // '...' stands for as many ':' as needed; without one, trailing dims are kept whole
  const expanded = items.flatMap((item) => (item === '...' ? Array<IndexItem>(x.ndim - used).fill(':') : [item]));

  const shape: number[] = [];
  const strides: number[] = [];
  const advanced: BasicResult['advanced'] = [];
  let offset = x.storageOffset();
  let dim = 0; // next dim of x to consume
  for (const item of expanded) {
    if (item === null) {
      shape.push(1);
      strides.push(0);
    } else if (typeof item === 'number') {
      const size = x.shape[dim];
      if (!Number.isInteger(item) || item < -size || item >= size) {
        throw new RangeError(`index ${item} is out of bounds for dimension ${dim} with size ${size}`);
      }
      offset += (item < 0 ? item + size : item) * x.stride(dim);
      dim++;
    } else if (typeof item === 'string') {
      const { start, length, step } = sliceRange(parseSlice(item), x.shape[dim]);
      offset += start * x.stride(dim);
      shape.push(length);
      strides.push(x.stride(dim) * step);
      dim++;
    } else if (item instanceof Tensor) {
      if (item.dtype === 'bool') checkMaskShape(item, x.shape.slice(dim), dim);
      else checkIndexTensor(item);
      advanced.push({ dim: shape.length, index: item });
      for (let k = 0; k < dimsUsed(item); k++, dim++) {
        shape.push(x.shape[dim]);
        strides.push(x.stride(dim));
      }
    } else {
      throw new TypeError(`index(): unsupported index ${String(item)}; use numbers, slice strings, '...', null or tensors`);
    }
  }
  for (; dim < x.ndim; dim++) {
    shape.push(x.shape[dim]);
    strides.push(x.stride(dim));
  }
  return { view: viewOf(x, shape, strides, offset), advanced };
}

function checkIndexTensor(index: Tensor): void {
  if (index.dtype !== 'int32') {
    throw new TypeError(`tensors used as indices must be int32 or bool tensors, got ${index.dtype}`);
  }
}

/** The shape of a mask, whose dims cover as many of the indexed tensor's (a 0-d mask covers one of size 1). */
const maskShapeOf = (mask: Tensor): Shape => (mask.ndim === 0 ? [1] : mask.shape);

/** A bool mask must have the shape of the dims it covers, starting at `firstDim` of the indexed tensor. */
function checkMaskShape(mask: Tensor, indexedShape: Shape, firstDim: number): void {
  const maskShape = maskShapeOf(mask);
  maskShape.forEach((s, i) => {
    if (s !== indexedShape[i]) {
      throw new RangeError(
        `The shape of the mask ${fmtShape(maskShape)} at index ${i} does not match the shape of the indexed tensor ${fmtShape(indexedShape)} at index ${firstDim + i}`,
      );
    }
  });
}

/** A bool mask over k dims becomes k int index tensors (the coordinates of its true elements), for dims `dim`, `dim + 1`, …. */
function maskToIndices(mask: Tensor, dim: number): BasicResult['advanced'] {
  readOnCpu(
    mask,
    'indexing with a bool mask needs the mask on the CPU (it picks one element per true element)',
    "make the mask on 'js' or 'wasm' (it may index a tensor on any device), or keep the shape with torch.where or maskedFill",
  );
  const coords = nonzero(mask.reshape(maskShapeOf(mask)));
  return maskShapeOf(mask).map((_, k) => ({ dim: dim + k, index: coords.index(':', k) }));
}

/**
 * The values of `t`, for an op whose result's shape depends on them. A webgpu tensor cannot be
 * read synchronously, so there it throws: `need` says why the op reads, `instead` what to do.
 */
function readOnCpu(t: Tensor, need: string, instead: string): TypedArray {
  if (!readsSynchronously(t.device)) throw new Error(`${need}, and a ${t.device} tensor cannot be read synchronously: ${instead}`);
  return t.toTypedArray();
}

/**
 * Checks that every value of the int32 `index` is in `check`'s range, with PyTorch's message for
 * one that is not: at once where the device reads synchronously, else on the device (at the next
 * read). Internal to the library: the indexing ops here and nn's (embedding, nll_loss) use it.
 */
export function checkIndex(index: Tensor, check: IndexCheck): void {
  const backend = backendOf(index.device);
  if (backend.checkIndex) return backend.checkIndex(index._view, check);
  const [low, high] = indexCheckRange(check);
  const ignore = check.kind === 'target' ? check.ignore : undefined;
  const values = index.toTypedArray();
  const outside = (v: number) => (v < low || v >= high) && v !== ignore;
  // PyTorch reports the first bad index, but for one_hot a negative label before a too large one
  const bad = check.kind === 'class' ? (values.find((v) => v < low) ?? values.find((v) => v >= high)) : values.find(outside);
  if (bad !== undefined) throw new RangeError(indexCheckMessage(check, bad));
}

/** Checks an index into dim `dim` of `size` (PyTorch's bounds and message), then wraps negative indices. */
function wrapIndex(index: Tensor, size: number, dim: number): Tensor {
  checkIndex(index, { kind: 'dim', dim, size });
  return where(index.lt(0), index.add(size), index);
}

/**
 * The storage offsets of every element an advanced index picks, in the result's shape.
 * Offset = view offset + Σ index_k · stride_k over the indexed dims + Σ i · stride over the rest.
 * PyTorch's layout rule: when the indexed dims are adjacent the broadcast index dims replace them
 * in place; otherwise they go first.
 */
function advancedOffsets({ view, advanced: items }: BasicResult): Tensor {
  const advanced = items.flatMap((a) => (a.index.dtype === 'bool' ? maskToIndices(a.index, a.dim) : [a]));
  let indexShape: number[];
  try {
    indexShape = broadcastShapes(...advanced.map((a) => a.index.shape));
  } catch {
    throw new RangeError(
      `shape mismatch: indexing tensors could not be broadcast together with shapes ${advanced.map((a) => fmtShape(a.index.shape)).join(', ')}`,
    );
  }
  const dims = advanced.map((a) => a.dim);
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  const rest = view.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const before = adjacent ? rest.filter((d) => d < dims[0]) : [];
  const after = rest.filter((d) => !before.includes(d));
  const outShape = [...before.map((d) => view.shape[d]), ...indexShape, ...after.map((d) => view.shape[d])];
  // reshape `t` so that its dims sit at `position` in a tensor of outShape's rank, with 1s elsewhere
  const placed = (t: Tensor, position: number) =>
    t.reshape(outShape.map((_, i) => (i >= position && i < position + t.ndim ? t.shape[i - position] : 1)));

  let offsets = asTensor(view.storageOffset(), view, 'int32');
  for (const { dim, index } of advanced) {
    const k = wrapIndex(index, view.shape[dim], dim).to(view.device).expand(indexShape);
    offsets = offsets.add(placed(k.mul(view.stride(dim)), before.length));
  }
  for (const d of rest) {
    const position = before.includes(d) ? before.indexOf(d) : before.length + indexShape.length + after.indexOf(d);
    offsets = offsets.add(placed(arange(view.shape[d], { dtype: 'int32', device: view.device }).mul(view.stride(d)), position));
  }
  return offsets.expand(outShape);
}

/** The whole storage of `x` seen as one flat vector. */
const flatStorage = (x: Tensor): Tensor => viewOf(x, [x._storage.length], [1], 0);

/** PyTorch's node names for indexing: which kind of index made the result. */
function indexNodeName(items: readonly IndexItem[]): string {
  const isScalarIndex = (i: IndexItem) => i instanceof Tensor && i.ndim === 0 && i.dtype === 'int32';
  if (items.some((i) => i instanceof Tensor && !isScalarIndex(i))) return 'IndexBackward0';
  // otherwise PyTorch applies the items one by one, and the last one names the node
  const last = [...items].reverse().find((i) => i !== '...');
  if (last === undefined) return 'AliasBackward0';
  if (typeof last === 'number' || isScalarIndex(last)) return 'SelectBackward0';
  return last === null ? 'UnsqueezeBackward0' : 'SliceBackward0';
}

/**
 * PyTorch's `x[...]`: integers select, slice strings (`'1:3'`, `'::2'`, `':'`) and `'...'` keep
 * dims, `null` adds a dim, and int or bool tensors pick elements (advanced indexing, a copy).
 * Everything else returns a view that shares storage with `x`.
 * The gradient is scattered back to the picked positions (summed where an index repeats).
 * @example
 * const x = torch.arange(12).reshape(3, 4);
 * x.index(0).tolist(); // [0, 1, 2, 3]
 * x.index(':', 1).tolist(); // [1, 5, 9]
 * x.index('...', -1).tolist(); // [3, 7, 11]
 * x.index('1:3', '::2').tolist(); // [[4, 6], [8, 10]]
 * x.index(torch.tensor([2, 0])).shape; // [2, 4]
 * x.index(x.gt(9)).tolist(); // [10, 11]
 */
export function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  const basic = basicIndex(x, items);
  let out = basic.view;
  if (basic.advanced.length) {
    const offsets = advancedOffsets(basic);
    const picked = backendOf(x.device).gather(flatStorage(x)._view, 0, offsets.reshape(-1)._view);
    out = wrap(x.device, picked, x.dtype, offsets.shape);
  }
  const [shape, dtype, device, accumulate] = [x.shape, x.dtype, x.device, basic.advanced.length > 0];
  return record(indexNodeName(items), [x], out, (g) => [indexPut(zerosOf(shape, dtype, device), items, g, accumulate)]);
}

const zerosOf = (shape: Shape, dtype: DType, device: Device): Tensor => wrap(device, backendOf(device).alloc(dtype, numelOf(shape)), dtype, shape);

/** Writes `value` through the index into `x` itself, with no autograd bookkeeping. */
function writeIndexed(x: Tensor, items: readonly IndexItem[], value: Tensor, accumulate: boolean): Tensor {
  const basic = basicIndex(x, items);
  const v = value.to(x.dtype);
  if (basic.advanced.length === 0 && !accumulate) {
    write(basic.view, v);
    bumpVersion(x);
    return x;
  }
  const masked = maskedWrite(basic, v.shape);
  if (masked) {
    const target = basic.view;
    const values = v.reshape(masked.valueShape);
    write(target, where(masked.mask, accumulate ? target.add(values) : values, target));
    return x;
  }
  checkWritable(basic.view);
  const offsets = basic.advanced.length ? advancedOffsets(basic) : basicOffsets(basic.view);
  if (!broadcastsTo(v.shape, offsets.shape)) {
    throw new RangeError(
      `shape mismatch: value tensor of shape ${fmtShape(v.shape)} cannot be broadcast to indexing result of shape ${fmtShape(offsets.shape)}`,
    );
  }
  const src = v.expand(offsets.shape).contiguous().reshape(-1);
  backendOf(x.device).scatter(flatStorage(x)._view, 0, offsets.reshape(-1)._view, src._view, accumulate);
  bumpVersion(x);
  return x;
}

/**
 * A write through one bool mask, `x[..., mask, ...] = v`, where `v` is the same for every true
 * element (its dim facing their count is 1 or missing): that is `where(mask, v, x)` on the view,
 * which needs no count of the true elements, so no read of the mask (webgpu cannot read one
 * synchronously). Gives the mask and `v`'s shape placed to broadcast against the view, or
 * undefined when the write is not of that form.
 */
function maskedWrite({ view, advanced }: BasicResult, valueShape: Shape): { mask: Tensor; valueShape: number[] } | undefined {
  if (advanced.length !== 1 || advanced[0].index.dtype !== 'bool') return undefined;
  const { dim, index: mask } = advanced[0];
  const maskShape = maskShapeOf(mask);
  const after = view.ndim - dim - maskShape.length;
  // the indexed result is [...before, count, ...after]: `v`'s dim facing `count` becomes 1s facing the mask
  const facing = valueShape.length - after - 1;
  if (facing >= 0 && valueShape[facing] !== 1) return undefined;
  const placed = facing < 0 ? [...valueShape] : [...valueShape.slice(0, facing), ...maskShape.map(() => 1), ...valueShape.slice(facing + 1)];
  if (!broadcastsTo(placed, view.shape)) return undefined;
  return { mask: mask.reshape([...maskShape, ...Array<number>(after).fill(1)]).to(view.device), valueShape: placed };
}

/**
 * The gradient of the value written by `indexPut`: the output's gradient `g` read through the
 * index and summed to the value's shape (for a masked write, the sum of `g` where the mask is true).
 */
function writtenValueGrad(g: Tensor, items: readonly IndexItem[], shape: Shape): Tensor {
  const basic = basicIndex(g, items);
  const masked = maskedWrite(basic, shape);
  if (masked) return sumToShape(where(masked.mask, basic.view, 0), masked.valueShape).reshape(shape);
  return sumToShape(index(g, items), shape);
}

/**
 * Out-of-place `indexPut_`: a copy of `x` with `value` written (or added) through the index.
 * Gradients: `x` gets the output's gradient except where it was overwritten; `value` gets the
 * gradient read back through the same index.
 * @example
 * torch.indexPut(torch.zeros(3), [torch.tensor([0, 0])], torch.tensor([1, 2], { dtype: 'float32' }), true).tolist(); // [3, 0, 0]
 */
export function indexPut(x: Tensor, items: readonly IndexItem[], value: TensorLike, accumulate = false): Tensor {
  return put('IndexPutBackward0', x, items, value, accumulate);
}

/** `indexPut` recorded under `name`: PyTorch calls an in-place write through basic indexing `CopySlices`. */
function put(name: string, x: Tensor, items: readonly IndexItem[], value: TensorLike, accumulate: boolean): Tensor {
  const v = asTensor(value, x, x.dtype);
  checkSameDevice(x, v);
  const out = noGrad(() => writeIndexed(x.clone(), items, v, accumulate));
  const [shape, dtype] = [v.shape, v.dtype];
  return record(name, [x, v], out, (g) => [accumulate ? g : indexPut(g, items, 0), writtenValueGrad(g, items, shape).to(dtype)]);
}

/**
 * PyTorch's `x[...] = value`, in place: `value` (a number or a tensor broadcast to the indexed
 * shape) is cast to `x`'s dtype and written through the index. `accumulate` adds instead
 * (`index_put_(…, accumulate=True)`), summing repeated indices.
 * @example
 * const x = torch.zeros(2, 3);
 * x.indexPut_([':', 1], 7);
 * x.tolist(); // [[0, 7, 0], [0, 7, 0]]
 * x.indexPut_([x.eq(7)], 1);
 * x.sum().item(); // 2
 */
export function indexPut_(x: Tensor, items: readonly IndexItem[], value: TensorLike, options?: { accumulate?: boolean }): Tensor {
  const v = asTensor(value, x, x.dtype);
  checkSameDevice(x, v);
  checkInplace(x, v);
  const accumulate = options?.accumulate ?? false;
  if (isGradEnabled() && (x.requiresGrad || v.requiresGrad)) {
    const onlyTensors = items.every((i) => i === '...' || (i instanceof Tensor && !(i.ndim === 0 && i.dtype === 'int32')));
    return inplace_(x, put(onlyTensors ? 'IndexPutBackward0' : 'CopySlices', x, items, v, accumulate));
  }
  return writeIndexed(x, items, v, accumulate);
}

/** The storage offsets of every element of a view, for writes that accumulate. */
function basicOffsets(view: Tensor): Tensor {
  return advancedOffsets({ view: view.unsqueeze(0), advanced: [{ dim: 0, index: asTensor(0, view, 'int32') }] });
}

/** Checks `gather`/`scatter` arguments: an int32 index with the input's number of dims, no larger than it off `dim`. */
function checkGatherIndex(op: string, x: Tensor, dim: number, index: Tensor): number {
  const d = normalizeDim(dim, x.ndim);
  if (index.dtype !== 'int32') throw new TypeError(`${op}(): Expected dtype int32 for index, got ${index.dtype}`);
  if (index.ndim !== x.ndim && !(x.ndim <= 1 && index.ndim <= 1)) {
    throw new RangeError(`Index tensor must have the same number of dimensions as ${op === 'gather' ? 'input' : 'self'} tensor`);
  }
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) {
      throw new RangeError(
        `Size does not match at dimension ${i} expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d}`,
      );
    }
  });
  checkSameDevice(x, index);
  return d;
}

/** Kernels index by coordinates, so 0-d operands travel as 1-element vectors. */
const atLeast1d = (t: Tensor): Tensor => (t.ndim === 0 ? noGrad(() => t.reshape(1)) : t);

/**
 * Picks values along `dim` by `index`: `out[i][j] = x[index[i][j]][j]` for dim 0, `x[i][index[i][j]]` for dim 1.
 * The gradient is added back at the picked positions.
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * x.gather(1, torch.tensor([[0, 0], [1, 0]])).tolist(); // [[1, 1], [4, 3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = checkGatherIndex('gather', x, dim, index);
  const out = wrap(x.device, backendOf(x.device).gather(atLeast1d(x)._view, d, atLeast1d(index)._view), x.dtype, index.shape);
  const [shape, dtype, device] = [x.shape, x.dtype, x.device];
  return record('GatherBackward0', [x], out, (g, [idx]) => [addedIntoZeros(shape, dtype, device, d, idx, g)], [index]);
}

/**
 * Zeros with `src` added at `index` along `dim`: the backward of gather and index_select. The
 * zeros are new, so unless the backward is itself recorded (double backward, where scatterAdd's
 * gradient is needed) the sum goes straight into them instead of into a copy. A gradient of
 * another dtype goes through scatterAdd, which refuses it.
 */
function addedIntoZeros(shape: Shape, dtype: DType, device: Device, dim: number, index: Tensor, src: Tensor): Tensor {
  const zeros = zerosOf(shape, dtype, device);
  return isGradEnabled() || src.dtype !== dtype ? scatterAdd(zeros, dim, index, src) : scatterInto(zeros, dim, index, src, true);
}

/** The scatter kernel writing into `x` itself: `src` at `index` along `dim`, assigned or added. */
function scatterInto(x: Tensor, d: number, index: Tensor, src: Tensor, accumulate: boolean): Tensor {
  checkWritable(x);
  // scatter reads src at the index's positions only
  const srcView = viewOf(src, index.shape, src.stride(), src.storageOffset());
  backendOf(x.device).scatter(atLeast1d(x)._view, d, atLeast1d(index)._view, atLeast1d(srcView)._view, accumulate);
  bumpVersion(x);
  return x;
}

/** Checks and prepares `src` for scatter: a tensor of `x`'s dtype covering the index, or a number broadcast over it. */
function scatterSource(op: string, x: Tensor, index: Tensor, src: TensorLike): Tensor {
  if (!(src instanceof Tensor)) return noGrad(() => asTensor(src, x).expand(index.shape));
  if (src.dtype !== x.dtype) throw new TypeError(`${op}(): Expected self.dtype to be equal to src.dtype`);
  // src is read at the index's coordinates, so it needs as many dims (0-d and 1-d count alike)
  if (Math.max(src.ndim, 1) !== Math.max(index.ndim, 1)) {
    throw new RangeError('Index tensor must have the same number of dimensions as src tensor');
  }
  if (index.shape.some((s, i) => s > src.shape[i])) {
    throw new RangeError(`Expected index ${fmtShape(index.shape)} to be smaller than src ${fmtShape(src.shape)}`);
  }
  return src;
}

/**
 * Out of place, writes `src` into a copy of `x` at `index` along `dim`: `out[index[i][j]][j] = src[i][j]`
 * for dim 0. `src` may be a number. Gradients: `x` gets the output's gradient except where it was
 * overwritten; `src` gets it gathered from where its values went.
 * @example
 * torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 5).tolist(); // [[0, 0, 5], [5, 0, 0]]
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor {
  const d = checkGatherIndex('scatter', x, dim, index);
  const values = scatterSource('scatter', x, index, src);
  const out = noGrad(() => scatterInto(x.clone(), d, index, values, false));
  const srcShape = values.shape;
  return record(src instanceof Tensor ? 'ScatterBackward0' : 'ScatterBackward1', [x, src instanceof Tensor ? src : null], out, (g, [idx]) => [
    scatter(g, d, idx, 0),
    src instanceof Tensor ? padTo(gather(g, d, idx), srcShape) : null,
  ], [index]);
}

/** Pads `g` with zeros at the end of each dim up to `shape` (src may be larger than the index it is read through). */
function padTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.every((s, i) => s === shape[i])) return g;
  const zeros = zerosOf(shape, g.dtype, g.device);
  return indexPut(zeros, g.shape.map((s) => `:${s}`), g);
}

/**
 * In place, writes `src` into `x` at `index` along `dim`: `x[index[i][j]][j] = src[i][j]` for dim 0.
 * `src` may be a number. This is the tutorial's one-hot: `zeros(10).scatter_(0, tensor(y), 1)`.
 * @example
 * torch.zeros(5).scatter_(0, torch.tensor(3), 1).tolist(); // [0, 0, 0, 1, 0]
 */
export function scatter_(x: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor {
  checkInplace(x, src);
  if (isGradEnabled() && (x.requiresGrad || (src instanceof Tensor && src.requiresGrad))) return inplace_(x, scatter(x, dim, index, src));
  const d = checkGatherIndex('scatter', x, dim, index);
  return scatterInto(x, d, index, scatterSource('scatter', x, index, src), false);
}

/**
 * Out of place, adds `src` into `x` at `index` along `dim` (repeated indices accumulate).
 * Gradients: `x` gets the output's gradient; `src` gets it gathered from where its values went.
 * @example
 * torch.zeros(3).scatterAdd(0, torch.tensor([0, 0, 2]), torch.tensor([1, 2, 3], { dtype: 'float32' })).tolist(); // [3, 0, 3]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = checkGatherIndex('scatter_add', x, dim, index);
  const values = scatterSource('scatter_add', x, index, src);
  const out = noGrad(() => scatterInto(x.clone(), d, index, values, true));
  const srcShape = src.shape;
  return record('ScatterAddBackward0', [x, src], out, (g, [idx]) => [g, padTo(gather(g, d, idx), srcShape)], [index]);
}

/**
 * The slices of `x` along `dim` at the positions in a 1-D int index.
 * The gradient is added back into the selected slices.
 * @example
 * torch.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, torch.tensor([2, 0])).tolist(); // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim);
  if (index.ndim > 1) throw new RangeError('index_select(): Index is supposed to be a vector');
  if (index.dtype !== 'int32') throw new TypeError(`index_select(): Expected dtype int32 for index, got ${index.dtype}`);
  checkIndex(index, { kind: 'select', size: x.ndim === 0 ? 1 : x.shape[d] });
  const input = atLeast1d(x);
  // broadcast the index across the other dims, then gather along `dim`
  const shape = input.shape.map((s, i) => (i === d ? index.numel() : s));
  const idx = noGrad(() => index.reshape(input.shape.map((_, i) => (i === d ? -1 : 1))).expand(shape));
  const out = wrap(x.device, backendOf(x.device).gather(input._view, d, idx._view), x.dtype, x.ndim === 0 ? index.shape : shape);
  const [xShape, dtype, device] = [input.shape, x.dtype, x.device];
  return record('IndexSelectBackward0', [x], out, (g, [i]) => [
    addedIntoZeros(xShape, dtype, device, d, i, g.reshape(shape)).reshape(x.shape),
  ], [idx]);
}

function checkMask(mask: Tensor): void {
  if (mask.dtype !== 'bool') throw new TypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype}`);
}

/**
 * `value` where `mask` is true, `x` elsewhere (the mask broadcasts).
 * Gradients: `x` where the mask is false; a tensor `value` gets the sum over the masked positions.
 * @example
 * torch.tensor([1, 2, 3]).maskedFill(torch.tensor([true, false, true]), 0).tolist(); // [0, 2, 0]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  checkMask(mask);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new RangeError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  }
  const out = noGrad(() => where(mask, asTensor(value, x, x.dtype).to(x.dtype), x));
  const [shape, vtype] = [x.shape, value instanceof Tensor ? value.dtype : x.dtype];
  return record('MaskedFillBackward0', [x, value instanceof Tensor ? value : null], out, (g, [m]) => [
    sumToShape(where(m, 0, g), shape),
    value instanceof Tensor ? where(m, g, 0).sum().to(vtype) : null,
  ], [mask]);
}

/**
 * In-place `maskedFill`.
 * @example
 * const x = torch.ones(3);
 * x.maskedFill_(torch.tensor([false, true, false]), 5);
 * x.tolist(); // [1, 5, 1]
 */
export function maskedFill_(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  return inplace_(x, maskedFill(x, mask, value));
}

/**
 * The coordinates of non-zero elements, one row per element: an int32 tensor [n, ndim].
 * @example
 * torch.nonzero(torch.tensor([[0, 1], [1, 1]])).tolist(); // [[0, 1], [1, 0], [1, 1]]
 */
export function nonzero(x: Tensor): Tensor {
  const values = readOnCpu(
    x,
    'nonzero() needs its input on the CPU (the result has one row per non-zero element)',
    "read the values with `await x.data()` and call nonzero on a 'js' tensor made from them",
  );
  const coords: number[] = [];
  let count = 0; // rows of the result (a non-zero 0-d tensor has one row of no coordinates)
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue;
    count++;
    let rest = i;
    const coord = new Array<number>(x.ndim);
    for (let d = x.ndim - 1; d >= 0; d--) {
      coord[d] = rest % x.shape[d];
      rest = Math.floor(rest / x.shape[d]);
    }
    coords.push(...coord);
  }
  return fromTypedArray(Int32Array.from(coords), [count, x.ndim]).to(x.device);
}

/**
 * One-hot encoding: an int32 tensor with a new last dim of `numClasses` (default: max + 1).
 * @example
 * torch.oneHot(torch.tensor([0, 2]), 3).tolist(); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  if (labels.dtype !== 'int32') throw new TypeError(`one_hot is only applicable to index tensor (int32), got ${labels.dtype}`);
  let classes = numClasses;
  if (numClasses === -1) {
    if (labels.numel() === 0) throw new RangeError('Can not infer total number of classes from empty tensor.');
    const largest = readOnCpu(labels.max(), 'oneHot() without numClasses needs the labels on the CPU (it makes the largest label + 1 classes)', 'pass numClasses');
    classes = largest[0] + 1;
  }
  checkIndex(labels, { kind: 'class', size: classes });
  return labels.unsqueeze(-1).eq(arange(classes, { dtype: 'int32', device: labels.device })).to('int32');
}
