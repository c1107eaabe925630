/**
 * `gradcheck`: compares the gradients autograd computes with finite differences, like
 * `torch.autograd.gradcheck`. For every input element x_j it perturbs x_j by ±eps and measures
 * how each output element moves, (f(x + eps) - f(x - eps)) / 2eps, the numerical Jacobian; the
 * analytical Jacobian comes from one backward pass per output element. They must agree to
 * `atol + rtol · |numerical|` everywhere. Use float64 inputs: float32 has too few digits for the
 * differences to mean anything.
 */
import { fromTypedArray, zerosLike } from '../ops/creation.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { grad } from './engine.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
}

const asList = (out: Tensor | readonly Tensor[]): Tensor[] => (Array.isArray(out) ? [...out] : [out as Tensor]);

/** The outputs' elements, flattened and concatenated. */
function flatValues(outputs: readonly Tensor[]): number[] {
  return outputs.flatMap((t) => Array.from(t.detach().contiguous().toTypedArray()));
}

/**
 * Checks the analytical gradients of `fn` at `inputs` against finite differences. Returns true,
 * or throws an error naming the input, the element and both values where they disagree.
 * @example
 * const x = torch.rand(3, { dtype: 'float64', requiresGrad: true });
 * torch.autograd.gradcheck((x) => x.mul(x).sum(), [x]); // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  const differentiable = inputs.filter((t) => t.requiresGrad);
  if (differentiable.length === 0) throw new Error('gradcheck expects at least one input tensor to require gradient');
  for (const t of differentiable) {
    if (t.dtype !== 'float64') {
      throw new TypeError(`gradcheck: input of shape ${fmtShape(t.shape)} is ${t.dtype}; use float64 inputs for meaningful finite differences`);
    }
  }
  const all = asList(fn(...inputs));
  const kept = all.flatMap((t, i) => (t.requiresGrad ? [i] : [])); // outputs that depend on the inputs
  const outputs = kept.map((i) => all[i]);
  const outSizes = outputs.map((t) => t.numel());
  const totalOut = outSizes.reduce((a, b) => a + b, 0);

  // analytical Jacobian, one row per output element: backward with a one-hot gradient
  const analytical: number[][][] = differentiable.map((t) => Array.from({ length: t.numel() }, () => new Array<number>(totalOut).fill(0)));
  let row = 0;
  outputs.forEach((out, o) => {
    for (let k = 0; k < outSizes[o]; k++, row++) {
      const oneHot = new Float64Array(out.numel());
      oneHot[k] = 1;
      // fromTypedArray makes a 'js' tensor: move the seed to the output's device and dtype
      const seeds = outputs.map((t, i) => (i === o ? fromTypedArray(oneHot, t.shape).to({ device: t.device, dtype: t.dtype }) : zerosLike(t)));
      const grads = grad(outputs, differentiable, { gradOutputs: seeds, retainGraph: true, allowUnused: true });
      grads.forEach((g, i) => {
        const values = g ? g.contiguous().toTypedArray() : undefined;
        for (let j = 0; j < differentiable[i].numel(); j++) analytical[i][j][row] = values ? values[j] : 0;
      });
    }
  });

  // numerical Jacobian: central differences, perturbing one input element at a time
  differentiable.forEach((input, i) => {
    for (let j = 0; j < input.numel(); j++) {
      // grad mode stays on, and the perturbed input requires grad like the original, so that an
      // `fn` which itself differentiates (a double-backward check) runs unchanged
      const evaluate = (delta: number) => {
        const values = Float64Array.from(noGrad(() => input.detach().contiguous().toTypedArray()));
        values[j] += delta;
        const perturbed = fromTypedArray(values, input.shape).to(input.device).requiresGrad_(); // on the input's device, like the seeds
        const results = asList(fn(...inputs.map((t) => (t === input ? perturbed : t))));
        return flatValues(kept.map((k) => results[k]));
      };
      const plus = evaluate(eps);
      const minus = evaluate(-eps);
      for (let k = 0; k < totalOut; k++) {
        const numerical = (plus[k] - minus[k]) / (2 * eps);
        const exact = analytical[i][j][k];
        if (!(Math.abs(numerical - exact) <= atol + rtol * Math.abs(numerical))) {
          throw new Error(
            `Jacobian mismatch for output ${k} with respect to input ${inputs.indexOf(input)} (shape ${fmtShape(input.shape)}), element ${j}:\n` +
              `numerical: ${numerical}\nanalytical: ${exact}`,
          );
        }
      }
    }
  });
  return true;
}
