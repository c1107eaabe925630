/**
 * Reading the PyTorch fixtures of test/fixtures/nn.json and optim.json (written by
 * tools/fixtures_nn.py and tools/fixtures_optim.py): tensors are `{ shape, dtype, data }` with
 * NaN and infinities as strings.
 */
import * as torch from '../../src/index.js';
import type { DType, Device, Tensor } from '../../src/index.js';

export type Num = number | boolean | 'nan' | 'inf' | '-inf';

export interface TensorSpec {
  shape: number[];
  dtype: DType;
  data: Num[];
}

export const decode = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

/** The fixture tensor as a Kindling tensor on `device`. */
export function make(spec: TensorSpec, device: Device = 'js', requiresGrad = false): Tensor {
  const t = torch.tensor(spec.data.map(decode), { dtype: spec.dtype }).reshape(spec.shape).to(device);
  return requiresGrad ? t.requiresGrad_() : t;
}

/** What `expectClose` compares with: the shape and the values. */
export const expected = (spec: TensorSpec) => ({ shape: spec.shape, data: spec.data.map(decode) });

/** Values: float32 1e-6 + 1e-5·|e|, float64 1e-12 + 1e-10·|e|; gradients, and sums of many products, a little looser. */
export const tolerance = (dtype: DType, loose = false) =>
  dtype === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : loose ? { atol: 1e-5, rtol: 1e-4 } : { atol: 1e-6, rtol: 1e-5 };
