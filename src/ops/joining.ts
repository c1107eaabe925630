/**
 * Joining and splitting: `cat`, `stack`, and `split`/`chunk`/`unbind`, whose pieces are views.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { fmtShape, normalizeDim } from '../shape.js';
import { Tensor, viewOf } from '../tensor.js';
import { write, zeros } from './creation.js';
import { checkSameDevice, resultType } from './elementwise.js';

/**
 * `length` elements of `x` along `dim` starting at `start`, as a view (`x.narrow`).
 * @example
 * torch.arange(5).narrow(0, 1, 3).tolist(); // [1, 2, 3]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim);
  const size = x.shape[d];
  const from = start < 0 ? start + size : start;
  if (from < 0 || from > size || length < 0 || from + length > size) {
    throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  return slice('SliceBackward0', x, d, from, length);
}

/**
 * The view of `length` elements along dim `d` from `start`. Its gradient is the output's,
 * padded with zeros along `d` back to the input's size.
 */
function slice(name: string, x: Tensor, d: number, start: number, length: number): Tensor {
  const shape = x.shape.map((s, i) => (i === d ? length : s));
  const out = viewOf(x, shape, x.stride(), x.storageOffset() + start * x.stride(d));
  const size = x.shape[d];
  return record(name, [x], out, (g) => [padAlong(g, d, start, size)]);
}

/** `g` with zeros before and after it along dim `d`, so that it starts at `start` in a dim of `size`. */
function padAlong(g: Tensor, d: number, start: number, size: number): Tensor {
  const zerosOf = (n: number) => zeros(g.shape.map((s, i) => (i === d ? n : s)), { dtype: g.dtype, device: g.device });
  return cat([zerosOf(start), g, zerosOf(size - start - g.shape[d])], d);
}

/**
 * Concatenates tensors along an existing dim; their other sizes must match. The dtype is the
 * promotion of theirs.
 * @example
 * const a = torch.tensor([[1, 2]]);
 * torch.cat([a, a], 0).tolist(); // [[1, 2], [1, 2]]
 * torch.cat([a, a], 1).tolist(); // [[1, 2, 1, 2]]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('torch.cat(): expected a non-empty list of Tensors');
  checkSameDevice(...tensors);
  // PyTorch skips legacy 1-D empty tensors of shape [0] when others have more dims
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0)) as Tensor[];
  if (parts.length === 0) return zeros([0], { dtype: resultType(...tensors), device: tensors[0].device });
  const first = parts[0];
  // (name the 0-d tensor's own position, which need not be the first)
  const zeroDim = tensors.findIndex((t) => t.ndim === 0);
  if (zeroDim >= 0) throw new RangeError(`zero-dimensional tensor (at position ${zeroDim}) cannot be concatenated`);
  const d = normalizeDim(dim, first.ndim);
  parts.forEach((t) => {
    if (t.ndim !== first.ndim) throw new RangeError(`Tensors must have same number of dimensions: got ${first.ndim} and ${t.ndim}`);
    t.shape.forEach((s, i) => {
      if (i !== d && s !== first.shape[i]) {
        throw new RangeError(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${first.shape[i]} but got size ${s} for tensor number ${tensors.indexOf(t)} in the list.`,
        );
      }
    });
  });
  const shape = first.shape.map((s, i) => (i === d ? parts.reduce((n, t) => n + t.shape[d], 0) : s));
  const out = zeros(shape, { dtype: resultType(...parts), device: first.device });
  let start = 0;
  for (const t of parts) {
    write(viewOf(out, t.shape, out.stride(), out.storageOffset() + start * out.stride(d)), t);
    start += t.shape[d];
  }
  // each input gets its own stretch of the output's gradient (a skipped [0] tensor an empty one, as in PyTorch)
  const sizes = parts.map((t) => t.shape[d]);
  const skipped = tensors.map((t) => !parts.includes(t));
  return record('CatBackward0', tensors, out, (g) => {
    const pieces = split(g, sizes, d);
    return tensors.map((t, i) => (skipped[i] ? zeros([0], { dtype: t.dtype, device: t.device }) : pieces.shift()!.to(t.dtype)));
  });
}

/**
 * Joins same-shaped tensors along a new dim.
 * @example
 * const a = torch.tensor([1, 2]);
 * torch.stack([a, a]).shape; // [2, 2]
 * torch.stack([a, a], 1).tolist(); // [[1, 1], [2, 2]]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack expects a non-empty TensorList');
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((s, j) => s !== first.shape[j])) {
      throw new RangeError(
        `stack expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim(dim, first.ndim + 1);
  const out = noGrad(() => cat(tensors.map((t) => t.unsqueeze(d)), d));
  const dtypes = tensors.map((t) => t.dtype);
  return record('StackBackward0', tensors, out, (g) => unbind(g, d).map((piece, i) => piece.to(dtypes[i])));
}

/**
 * Splits into views along `dim`: pieces of `size` (the last may be smaller), or of the listed sizes.
 * @example
 * torch.arange(5).split(2).map((t) => t.tolist()); // [[0, 1], [2, 3], [4]]
 * torch.arange(5).split([1, 4]).map((t) => t.shape); // [[1], [4]]
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  // a 0-d tensor has no dim to split (normalizeDim would accept dim 0 for it)
  if (x.ndim === 0) throw new RangeError('split expects at least a 1-dimensional tensor');
  const d = normalizeDim(dim, x.ndim);
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const step = splitSizeOrSections;
    if (!Number.isInteger(step) || step < 0 || (step === 0 && size !== 0)) {
      throw new RangeError(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
    }
    const count = step === 0 ? 1 : Math.max(1, Math.ceil(size / step));
    sizes = Array.from({ length: count }, (_, i) => Math.min(step, size - i * step));
  } else {
    sizes = [...splitSizeOrSections];
    if (sizes.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new RangeError(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${fmtShape(sizes)}`);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new RangeError(
        `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`,
      );
    }
  }
  let start = 0;
  return sizes.map((n) => {
    const piece = slice(typeof splitSizeOrSections === 'number' ? 'SplitBackward0' : 'SplitWithSizesBackward0', x, d, start, n);
    start += n;
    return piece;
  });
}

/**
 * Splits into `chunks` views of equal size along `dim` (the last may be smaller, and there may be fewer).
 * @example
 * torch.arange(6).chunk(4).map((t) => t.tolist()); // [[0, 1], [2, 3], [4, 5]]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const size = x.shape[normalizeDim(dim, x.ndim)];
  // an empty dim splits into `chunks` empty pieces, as in PyTorch
  if (size === 0) return split(x, new Array<number>(chunks).fill(0), dim);
  return split(x, Math.ceil(size / chunks), dim);
}

/**
 * The slices along `dim`, each without that dim.
 * @example
 * torch.unbind(torch.tensor([[1, 2], [3, 4]])).map((t) => t.tolist()); // [[1, 2], [3, 4]]
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  // a 0-d tensor has no dim to unbind (normalizeDim would accept dim 0 for it)
  if (x.ndim === 0) throw new RangeError('Dimension specified as 0 but tensor has no dimensions');
  const d = normalizeDim(dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => {
    const piece = noGrad(() => narrow(x, d, i, 1).squeeze(d));
    const size = x.shape[d];
    return record('UnbindBackward0', [x], piece, (g) => [padAlong(g.unsqueeze(d), d, i, size)]);
  });
}
