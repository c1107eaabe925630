/**
 * Matrix products. `matmul` follows PyTorch's rules for every combination of 1-D, 2-D and
 * batched operands; all of them reach the backend as one batched [B, M, K] × [B, K, N] kernel.
 */
import { backendOf } from '../device.js';
import { broadcastShapes, fmtShape, numelOf } from '../shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { Tensor, wrap } from '../tensor.js';
import { checkSameDevice } from './elementwise.js';
import { sumToShape, torchTypeName } from './reduce.js';

function checkOperands(a: Tensor, b: Tensor): void {
  checkSameDevice(a, b);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`expected scalar type ${torchTypeName[a.dtype]} but found ${torchTypeName[b.dtype]}`);
  }
  if (a.dtype === 'bool') throw new TypeError(`"addmm_impl_cpu_" not implemented for 'Bool'`);
}

/** The batched product of [..., M, K] and [..., K, N] whose batch dims broadcast to `batch` (forward only). */
function batched(a: Tensor, b: Tensor, batch: readonly number[]): Tensor {
  const [M, K, N] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1], b.shape[b.ndim - 1]];
  const B = numelOf(batch);
  const [a3, b3] = noGrad(() => [a.expand([...batch, M, K]).reshape(B, M, K), b.expand([...batch, K, N]).reshape(B, K, N)]);
  return wrap(a.device, backendOf(a.device).matmul(a3._view, b3._view), a.dtype, [...batch, M, N]);
}

/**
 * Records a matrix product `out = a @ b` for autograd. With vectors lifted to matrices (a 1-D `a`
 * is a row, a 1-D `b` a column) and g the output's gradient lifted the same way:
 * ∂L/∂a = g @ bᵀ and ∂L/∂b = aᵀ @ g, each summed over the batch dims it was broadcast along.
 * `lifted` is the output's shape with the vector dims kept (as size 1).
 */
function recordProduct(name: string, a: Tensor, b: Tensor, out: Tensor, lifted: readonly number[] = out.shape): Tensor {
  const [aShape, bShape] = [a.shape, b.shape];
  return record(
    name,
    [a, b],
    out,
    (g, [x, y]) => {
      const left = aShape.length === 1 ? x.unsqueeze(0) : x;
      const right = bShape.length === 1 ? y.unsqueeze(1) : y;
      const grad = g.reshape(lifted); // the output's gradient with the vector dims put back: [..., M, N]
      // For a 2-D product (nothing to sum over batch dims), an operand that is a transposed view
      // gets its gradient computed transposed, (bᵀ)ᵀ = b: ∂L/∂a = (b @ gᵀ)ᵀ, ∂L/∂b = (gᵀ @ a)ᵀ,
      // the same sums of the same products, in the same order. This is PyTorch's mm_mat1_backward
      // and mm_mat2_backward: the gradient then has the operand's strides, so for `x @ w.t()` the
      // TBackward of `w.t()` turns it into a contiguous tensor laid out like `w`, which backward
      // can store as `w.grad` without a copy (see `accumulate` in autograd/engine.ts).
      // (A transposed operand is 2-D: a vector lifted to a matrix is contiguous.)
      const flat = grad.ndim === 2;
      const gradA = () =>
        flat && isTransposed(left)
          ? right.matmul(grad.t()).t()
          : sumToShape(grad.matmul(right.transpose(-1, -2)), left.shape).reshape(aShape);
      const gradB = () =>
        flat && isTransposed(right)
          ? grad.t().matmul(left).t()
          : sumToShape(left.transpose(-1, -2).matmul(grad), right.shape).reshape(bShape);
      return [a.requiresGrad ? gradA() : null, b.requiresGrad ? gradB() : null];
    },
    [a, b],
  );
}

/** True for a matrix stored column by column (`w.t()` of a contiguous `w`), and not also row by row. */
const isTransposed = (m: Tensor): boolean => !m.isContiguous() && m.t().isContiguous();

const mmError = (a: Tensor, b: Tensor) =>
  new RangeError(`mat1 and mat2 shapes cannot be multiplied (${a.shape.join('x')} and ${b.shape.join('x')})`);

/**
 * The matrix product of two 2-D tensors: [n, m] × [m, p] → [n, p].
 * @example
 * torch.tensor([[1, 2], [3, 4]]).mm(torch.tensor([[1], [1]])).tolist(); // [[3], [7]]
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new RangeError(`self must be a matrix`);
  if (b.ndim !== 2) throw new RangeError(`mat2 must be a matrix`);
  checkOperands(a, b);
  if (a.shape[1] !== b.shape[0]) throw mmError(a, b);
  return recordProduct('MmBackward0', a, b, batched(a, b, []));
}

/**
 * Batched matrix product of two 3-D tensors: [B, n, m] × [B, m, p] → [B, n, p].
 * @example
 * torch.bmm(torch.ones(4, 2, 3), torch.ones(4, 3, 5)).shape; // [4, 2, 5]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3) throw new RangeError(`batch1 must be a 3D tensor`);
  if (b.ndim !== 3) throw new RangeError(`batch2 must be a 3D tensor`);
  checkOperands(a, b);
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new RangeError(
      `Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  return recordProduct('BmmBackward0', a, b, batched(a, b, [a.shape[0]]));
}

/**
 * The dot product of two 1-D tensors, a 0-d tensor.
 * @example
 * torch.tensor([1, 2, 3]).dot(torch.tensor([4, 5, 6])).item(); // 32
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  }
  if (a.dtype !== b.dtype) {
    throw new TypeError(`dot : expected both vectors to have same dtype, but found ${torchTypeName[a.dtype]} and ${torchTypeName[b.dtype]}`);
  }
  checkOperands(a, b);
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(
      `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  const out = noGrad(() => batched(a.unsqueeze(0), b.unsqueeze(1), []).reshape([]));
  return recordProduct('DotBackward0', a, b, out, [1, 1]);
}

/**
 * Matrix product with PyTorch's rules (Python's `@`): 1-D · 1-D is a dot product; a 1-D operand
 * is treated as a row (left) or column (right) vector and that dim removed afterwards; batch dims
 * broadcast.
 * @example
 * const w = torch.ones(5, 3);
 * torch.ones(5).matmul(w).shape; // [3]
 * torch.ones(10, 2, 5).matmul(w).shape; // [10, 2, 3]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  if (a.ndim === 2 && b.ndim === 1) {
    checkOperands(a, b);
    if (a.shape[1] !== b.shape[0]) {
      throw new RangeError(`size mismatch, got input (${a.shape[0]}), mat (${a.shape.join('x')}), vec (${b.shape[0]})`);
    }
    return recordProduct('MvBackward0', a, b, noGrad(() => batched(a, b.unsqueeze(1), []).squeeze(-1)), [a.shape[0], 1]);
  }
  if (a.ndim === 1 && b.ndim === 2) {
    // as in PyTorch, a row vector times a matrix is an mm of a one-row matrix, then a squeeze:
    // the graph gets both nodes, so the tutorial's picture has its matmul box
    if (a.shape[0] !== b.shape[0]) throw mmError(a.unsqueeze(0), b);
    const product = mm(a.unsqueeze(0), b);
    return record('SqueezeBackward3', [product], noGrad(() => product.squeeze(0)), (g) => [g.unsqueeze(0)]);
  }
  checkOperands(a, b);
  const [left, right] = noGrad(() => [a.ndim === 1 ? a.unsqueeze(0) : a, b.ndim === 1 ? b.unsqueeze(1) : b]);
  const batch = broadcastShapes(left.shape.slice(0, -2), right.shape.slice(0, -2));
  const [K, K2] = [left.shape[left.ndim - 1], right.shape[right.ndim - 2]];
  if (K !== K2) {
    // PyTorch folds a batch against a matrix into one mm, and otherwise runs a bmm: its message names those shapes
    if (right.ndim === 2) throw new RangeError(`mat1 and mat2 shapes cannot be multiplied (${numelOf(left.shape.slice(0, -1))}x${K} and ${K2}x${right.shape[1]})`);
    const B = numelOf(batch);
    throw new RangeError(`Expected size for first two dimensions of batch2 tensor to be: [${B}, ${K}] but got: [${B}, ${K2}].`);
  }
  const product = batched(left, right, batch);
  const out = noGrad(() => {
    let squeezed = product;
    if (a.ndim === 1) squeezed = squeezed.squeeze(-2);
    if (b.ndim === 1) squeezed = squeezed.squeeze(-1);
    return squeezed;
  });
  // PyTorch's names for what its matmul turns into
  const name = a.ndim === 2 && b.ndim === 2 ? 'MmBackward0' : 'UnsafeViewBackward0';
  return recordProduct(name, a, b, out, product.shape);
}

/**
 * The outer product of two 1-D tensors: `out[i][j] = a[i] · b[j]`.
 * @example
 * torch.tensor([1, 2]).outer(torch.tensor([1, 10, 100])).tolist(); // [[1, 10, 100], [2, 20, 200]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1) throw new RangeError(`outer: Expected 1-D argument self, but got ${a.ndim}-D`);
  if (b.ndim !== 1) throw new RangeError(`outer: Expected 1-D argument vec2, but got ${b.ndim}-D`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}
