/**
 * Matrix products. `matmul` follows PyTorch's rules for every combination of 1-D, 2-D and
 * batched operands; all of them reach the backend as one batched [B, M, K] × [B, K, N] kernel.
 */
import { backendOf } from '../device.js';
import { broadcastShapes, fmtShape, numelOf } from '../shape.js';
import { Tensor, wrap } from '../tensor.js';
import { checkSameDevice } from './elementwise.js';
import { torchTypeName } from './reduce.js';

function checkOperands(a: Tensor, b: Tensor): void {
  checkSameDevice(a, b);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`expected scalar type ${torchTypeName[a.dtype]} but found ${torchTypeName[b.dtype]}`);
  }
  if (a.dtype === 'bool') throw new TypeError(`"addmm_impl_cpu_" not implemented for 'Bool'`);
}

/** The batched product of [..., M, K] and [..., K, N] whose batch dims are already broadcast to `batch`. */
function batched(a: Tensor, b: Tensor, batch: readonly number[]): Tensor {
  const [M, K, N] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1], b.shape[b.ndim - 1]];
  const B = numelOf(batch);
  const a3 = a.expand([...batch, M, K]).reshape(B, M, K);
  const b3 = b.expand([...batch, K, N]).reshape(B, K, N);
  return wrap(a.device, backendOf(a.device).matmul(a3._view, b3._view), a.dtype, [...batch, M, N]);
}

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
  return batched(a, b, []);
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
  return batched(a, b, [a.shape[0]]);
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
  return batched(a.unsqueeze(0), b.unsqueeze(1), []).reshape([]);
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
    return batched(a, b.unsqueeze(1), []).squeeze(-1);
  }
  checkOperands(a, b);
  const left = a.ndim === 1 ? a.unsqueeze(0) : a;
  const right = b.ndim === 1 ? b.unsqueeze(1) : b;
  if (left.shape[left.ndim - 1] !== right.shape[right.ndim - 2]) {
    // PyTorch folds the batch into rows when it can, so its message names the folded shapes
    const rows = numelOf(left.shape.slice(0, -1));
    const folded = right.ndim === 2 ? `${rows}x${left.shape[left.ndim - 1]}` : left.shape.slice(-2).join('x');
    throw new RangeError(`mat1 and mat2 shapes cannot be multiplied (${folded} and ${right.shape.slice(-2).join('x')})`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(left.shape.slice(0, -2), right.shape.slice(0, -2));
  } catch {
    throw new RangeError(
      `matmul: batch dims of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast`,
    );
  }
  let out = batched(left, right, batch);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
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
