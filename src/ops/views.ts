/**
 * View ops: new shapes over the same storage. Only the geometry (shape, strides, offset)
 * changes, so a write through a view is seen by its base, as in PyTorch. `reshape` and
 * `contiguous` copy only when no view can express the result.
 */
import type { View } from '../backend/backend.js';
import { backendOf } from '../device.js';
import { contiguousStrides, fmtShape, normalizeDim, numelOf, parseShape, type Shape } from '../shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { Tensor, viewOf, wrap } from '../tensor.js';
import { sumToShape } from './reduce.js';

// Every view's gradient is the same reshaping undone: the output's gradient laid back out in the
// input's shape (reshape back, squeeze the inserted dim, apply the inverse permutation, sum the
// expanded dims).

/** Resolves one `-1` in a requested shape from the number of elements. */
function inferSize(requested: readonly number[], numel: number): number[] {
  const shape = [...requested];
  const inferred = shape.indexOf(-1);
  if (inferred !== shape.lastIndexOf(-1)) throw new RangeError('only one dimension can be inferred');
  const bad = shape.find((s, i) => i !== inferred && (!Number.isInteger(s) || s < 0));
  if (bad !== undefined) throw new RangeError(`invalid shape dimension ${bad}`);
  const known = numelOf(shape.filter((_, i) => i !== inferred));
  if (inferred >= 0 && known === 0 && numel === 0) { // (with elements, a 0 elsewhere is just a size mismatch)
    throw new RangeError(
      `cannot reshape tensor of 0 elements into shape ${fmtShape(requested)} because the unspecified dimension size -1 can be any value and is ambiguous`,
    );
  }
  if (inferred >= 0 && known !== 0 && numel % known === 0) shape[inferred] = numel / known;
  if (shape.includes(-1) || numelOf(shape) !== numel) {
    throw new RangeError(`shape '${fmtShape(requested)}' is invalid for input of size ${numel}`);
  }
  return shape;
}

function readShape(args: readonly (number | Shape)[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as Shape)] : (args as number[]);
}

/**
 * Strides that let `newShape` view the same elements as `(shape, strides)`, or undefined when no
 * view can. Dims are matched in contiguous chunks: each run of old dims that lie back to back in
 * memory may be split or merged freely (ATen's `computeStride`).
 */
function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | undefined {
  if (numelOf(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let newDim = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1; // stride of the innermost dim of the current chunk
  let chunkNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    chunkNumel *= shape[d];
    // a chunk ends where the next dim out is not laid right after this one
    const chunkEnds = d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== chunkNumel * chunkBase);
    if (!chunkEnds) continue;
    while (newDim >= 0 && (viewNumel < chunkNumel || newShape[newDim] === 1)) {
      out[newDim] = viewNumel * chunkBase;
      viewNumel *= newShape[newDim];
      newDim--;
    }
    if (viewNumel !== chunkNumel) return undefined;
    if (d > 0) {
      chunkBase = strides[d - 1];
      chunkNumel = 1;
      viewNumel = 1;
    }
  }
  return newDim === -1 ? out : undefined;
}

/**
 * The same elements in a new shape, sharing storage; one size may be `-1`. Fails when the
 * strides do not allow it (use `reshape`).
 * @example
 * torch.arange(6).view(2, 3).tolist(); // [[0, 1, 2], [3, 4, 5]]
 * torch.arange(6).view(-1, 2).shape; // [3, 2]
 */
export function view(x: Tensor, args: readonly (number | Shape)[]): Tensor {
  const shape = inferSize(readShape(args), x.numel());
  const strides = viewStrides(x.shape, x.stride(), shape);
  if (!strides) {
    throw new RangeError(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  return reshaped(x, shape, strides);
}

/** A view with new shape and strides over the same elements, recorded as `ViewBackward0`. */
function reshaped(x: Tensor, shape: Shape, strides: readonly number[]): Tensor {
  const from = x.shape;
  return record('ViewBackward0', [x], viewOf(x, shape, strides, x.storageOffset()), (g) => [g.reshape(from)]);
}

/**
 * The same elements in a new shape: a view when the strides allow, else a copy.
 * @example
 * torch.arange(6).reshape(3, 2).t().reshape(6).tolist(); // [0, 2, 4, 1, 3, 5]
 */
export function reshape(x: Tensor, args: readonly (number | Shape)[]): Tensor {
  const shape = inferSize(readShape(args), x.numel());
  const strides = viewStrides(x.shape, x.stride(), shape);
  if (strides) return reshaped(x, shape, strides);
  // no view can do it: copy into the new shape, one node as PyTorch records it
  const from = x.shape;
  return record('UnsafeViewBackward0', [x], noGrad(() => view(clone(x), [shape])), (g) => [g.reshape(from)]);
}

/**
 * Merges dims `startDim..endDim` into one.
 * @example
 * torch.zeros(2, 3, 4).flatten(1).shape; // [2, 12]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [[1]]);
  const start = normalizeDim(startDim, x.ndim);
  const end = normalizeDim(endDim, x.ndim);
  if (start === end) return x; // nothing to merge: PyTorch returns the tensor itself
  if (start > end) throw new RangeError('flatten() has invalid args: start_dim cannot come after end_dim');
  const shape = [...x.shape.slice(0, start), numelOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
  return reshape(x, [shape]);
}

/**
 * Splits dim `dim` into `sizes` (one may be -1).
 * @example
 * torch.zeros(2, 12).unflatten(1, [3, 4]).shape; // [2, 3, 4]
 */
export function unflatten(x: Tensor, dim: number, sizes: Shape): Tensor {
  const d = normalizeDim(dim, x.ndim);
  let inner: number[];
  try {
    inner = inferSize(sizes, x.shape[d]);
  } catch {
    throw new RangeError(`unflatten: Provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${dim} (${x.shape[d]}) in the input tensor`);
  }
  return view(x, [[...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]]);
}

/**
 * Removes dims of size 1 (all of them, or only those named).
 * @example
 * torch.zeros(1, 3, 1).squeeze().shape; // [3]
 * torch.zeros(1, 3, 1).squeeze(0).shape; // [3, 1]
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const named = dim === undefined ? undefined : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, x.ndim));
  const drop = (d: number) => x.shape[d] === 1 && (named === undefined || named.includes(d));
  const keep = x.shape.map((_, d) => d).filter((d) => !drop(d));
  const out = viewOf(
    x,
    keep.map((d) => x.shape[d]),
    keep.map((d) => x.stride(d)),
    x.storageOffset(),
  );
  const from = x.shape;
  return record(dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1', [x], out, (g) => [g.reshape(from)]);
}

/**
 * Inserts a dim of size 1 at `dim`.
 * @example
 * torch.zeros(3).unsqueeze(0).shape; // [1, 3]
 * torch.zeros(3).unsqueeze(-1).shape; // [3, 1]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1);
  const shape = [...x.shape];
  const strides = x.stride();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? strides[d] * x.shape[d] : 1);
  return record('UnsqueezeBackward0', [x], viewOf(x, shape, strides, x.storageOffset()), (g) => [g.squeeze(d)]);
}

/**
 * Reorders dims: output dim i is input dim `dims[i]`.
 * @example
 * torch.zeros(2, 3, 4).permute(2, 0, 1).shape; // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new RangeError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const order = dims.map((d) => normalizeDim(d, x.ndim));
  if (new Set(order).size !== order.length) throw new RangeError('permute(): duplicate dims are not allowed.');
  return permuted('PermuteBackward0', x, order);
}

/** The view with dims in `order`; its gradient is permuted back by the inverse order. */
function permuted(name: string, x: Tensor, order: readonly number[]): Tensor {
  const out = viewOf(
    x,
    order.map((d) => x.shape[d]),
    order.map((d) => x.stride(d)),
    x.storageOffset(),
  );
  const inverse = order.map((_, d) => order.indexOf(d));
  return record(name, [x], out, (g) => [g.permute(inverse)]);
}

/**
 * Swaps two dims.
 * @example
 * torch.zeros(2, 3, 4).transpose(0, 2).shape; // [4, 3, 2]
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const order = x.shape.map((_, d) => d);
  const [a, b] = [normalizeDim(dim0, x.ndim), normalizeDim(dim1, x.ndim)];
  if (x.ndim > 0) [order[a], order[b]] = [order[b], order[a]]; // a 0-d tensor transposes to itself
  return permuted('TransposeBackward0', x, order);
}

/**
 * Transposes a matrix (a 0-D or 1-D tensor is returned as is).
 * @example
 * torch.tensor([[1, 2, 3]]).t().tolist(); // [[1], [2], [3]]
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return permuted('TBackward0', x, x.ndim < 2 ? [0].slice(0, x.ndim) : [1, 0]);
}

/**
 * A view repeating dims of size 1 (and new leading dims) to `sizes` without copying: the
 * repeated dims have stride 0. `-1` keeps a size.
 * @example
 * torch.tensor([1, 2]).expand(3, 2).tolist(); // [[1, 2], [1, 2], [1, 2]]
 */
export function expand(x: Tensor, args: readonly (number | Shape)[]): Tensor {
  const sizes = readShape(args);
  if (sizes.length < x.ndim) {
    throw new RangeError(
      `expand: the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const lead = sizes.length - x.ndim;
  const strides = sizes.map((size, i) => {
    const d = i - lead;
    if (d < 0) {
      if (size < 0) throw new RangeError(`The expanded size of the tensor (${size}) isn't allowed in a leading, non-existing dimension ${i}`);
      return 0;
    }
    if (size === -1 || size === x.shape[d]) return x.stride(d);
    if (x.shape[d] !== 1) {
      throw new RangeError(
        `The expanded size of the tensor (${size}) must match the existing size (${x.shape[d]}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
    return 0;
  });
  const shape = sizes.map((size, i) => (size === -1 ? x.shape[i - lead] : size));
  parseShape([shape], 'expand size');
  const from = x.shape;
  // each input element was read by every position it was repeated to: sum their gradients
  return record('ExpandBackward0', [x], viewOf(x, shape, strides, x.storageOffset()), (g) => [sumToShape(g, from)]);
}

/**
 * @internal The backend view of `x` broadcast to `shape` (which it must broadcast to): what
 * `expand(shape)._view` describes, stride 0 along the broadcast dims, without making a tensor or
 * recording anything. Elementwise ops hand their operands to kernels this way.
 */
export function broadcastView(x: Tensor, shape: Shape): View {
  const lead = shape.length - x.ndim;
  const strides = shape.map((size, i) => (i < lead || x.shape[i - lead] !== size ? 0 : x._strides[i - lead]));
  return { storage: x._storage.handle, dtype: x.dtype, shape, strides, offset: x._offset };
}

/**
 * The tensor itself if its elements are already in row-major order, else a contiguous copy.
 * @example
 * torch.zeros(2, 3).t().contiguous().isContiguous(); // true
 */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

/**
 * A copy with its own storage.
 * @example
 * const a = torch.zeros(2);
 * const b = a.clone();
 * b.fill_(1);
 * a.tolist(); // [0, 0]
 */
export function clone(x: Tensor): Tensor {
  return record('CloneBackward0', [x], wrap(x.device, backendOf(x.device).copy(x._view, x.dtype), x.dtype, x.shape), (g) => [g]);
}

/**
 * The same data (shared storage) cut off from autograd's graph.
 * @example
 * torch.ones(2, { requiresGrad: true }).detach().requiresGrad; // false
 */
export function detach(x: Tensor): Tensor {
  return new Tensor(x._storage, x.shape, x.stride(), x.storageOffset());
}
