/**
 * `nn.Parameter`: a tensor that a module owns and an optimizer trains. It is an ordinary Tensor
 * (every op takes it) that requires grad by default; what makes it special is only that
 * `nn.Module` finds it: assigning a Parameter to a property of a module registers it, so it shows
 * up in `parameters()`, `namedParameters()` and `stateDict()`.
 */
import type { Device } from '../device.js';
import type { DType } from '../dtype.js';
import { zeros } from '../ops/creation.js';
import { Tensor } from '../tensor.js';

/**
 * A trainable tensor of a module, like `torch.nn.Parameter`. It shares `data`'s storage (as
 * PyTorch's does), is a leaf, and requires grad unless `requiresGrad` is false. Prints as
 * `Parameter containing:` followed by the tensor.
 * @example
 * const p = new torch.nn.Parameter(torch.zeros(2));
 * p.requiresGrad; // true
 * p.isLeaf; // true
 * p instanceof torch.Tensor; // true
 * String(p); // 'Parameter containing:\ntensor([0., 0.], requires_grad=True)'
 */
export class Parameter extends Tensor {
  constructor(data: Tensor = zeros(0), requiresGrad = true) {
    super(data._storage, data.shape, data.stride(), data.storageOffset());
    this._base = data._base;
    this.requiresGrad_(requiresGrad);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/**
 * @internal Points `t` at `source`'s storage (and dtype and device), keeping the same object —
 * PyTorch's `t.data = source`. `Module.to(device)` moves parameters with it, so that an optimizer
 * holding them keeps working. Tensor's geometry fields are read-only for users; this is the one
 * place they are rewritten, for a tensor autograd treats as a leaf.
 */
export function setData(t: Tensor, source: Tensor): void {
  if (source.shape.length !== t.shape.length || source.shape.some((s, i) => s !== t.shape[i])) {
    throw new RangeError(`setData: shape [${source.shape.join(', ')}] does not match [${t.shape.join(', ')}]`);
  }
  const fields: { _storage: Tensor['_storage']; dtype: DType; device: Device; _strides: readonly number[]; _offset: number; _base: Tensor | undefined } = {
    _storage: source._storage,
    dtype: source.dtype,
    device: source.device,
    _strides: source._strides,
    _offset: source._offset,
    _base: source._base,
  };
  Object.assign(t, fields);
}
