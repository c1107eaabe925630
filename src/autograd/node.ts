/**
 * The backward graph. Every differentiable op, when one of its inputs requires grad, gives its
 * output a `Node` (`x.gradFn`) that knows the op's name, the nodes of its inputs
 * (`nextFunctions`), the tensors it saved, and how to turn the gradient of the output into
 * gradients of the inputs (the chain rule for that one op). Leaves that require grad get an
 * `AccumulateGrad` node, which adds arriving gradients into `leaf.grad`.
 */
import type { Storage, Tensor } from '../tensor.js';
import { isFloating } from '../dtype.js';
import { isGradEnabled } from './grad-mode.js';

/** Gradients for an op's inputs, in input order; `null` where an input gets none. */
export type InputGrads = (Tensor | null | undefined)[];

/** The chain rule of one op: from the output's gradient and the saved tensors to the inputs' gradients. */
export type BackwardFn = (grad: Tensor, saved: Tensor[]) => InputGrads;

/** A gradient hook: may return a replacement gradient. */
export type Hook = (grad: Tensor) => Tensor | void;

/** A node of the backward graph, PyTorch's `grad_fn`. */
export class Node {
  /** Hooks registered on the output tensor with `registerHook`, run on its gradient. */
  readonly hooks: Hook[] = [];
  /** The output tensor, when it asked to keep its gradient (`retainGrad`). */
  retainsGradOf: Tensor | undefined;
  private savedTensors: { tensor: Tensor | undefined; version: number }[] | undefined;
  /** True once `backward` freed the saved tensors. */
  freed = false;
  /**
   * Whether `backwardFn` keeps `record`'s promise: the gradients it returns are new tensors, or
   * `grad` and saved tensors (and views of them), never a tensor it captured. The backward pass
   * then knows the new ones are its own, to hand to a leaf without a copy and to free once used.
   */
  ownsResults = false;

  constructor(
    /** PyTorch's name for this node: `AddBackward0`, `MmBackward0`, `AccumulateGrad`, … */
    readonly name: string,
    /** Where each input's gradient goes next (null for inputs that need none). */
    readonly next: readonly (Node | null)[],
    /** Each input's shape, which its gradient must have. */
    readonly inputShapes: readonly (readonly number[])[],
    readonly backwardFn: BackwardFn,
    saved: readonly (Tensor | undefined)[],
    /** For `AccumulateGrad`: the leaf it accumulates into. */
    readonly variable?: Tensor,
  ) {
    this.savedTensors = saved.map((tensor) => ({ tensor, version: tensor?._storage.version ?? 0 }));
  }

  /**
   * The nodes this one passes gradients to, one per input, with the output index (always 0:
   * Kindling's ops have one differentiable output), like PyTorch's `next_functions`.
   */
  get nextFunctions(): [Node | null, number][] {
    return this.next.map((node) => [node, 0]);
  }

  /** The saved tensors, checked: freed by an earlier backward, or modified in place since saving, is an error. */
  saved(): Tensor[] {
    if (!this.savedTensors) {
      throw new Error(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
          'Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). ' +
          'Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.',
      );
    }
    for (const { tensor, version } of this.savedTensors) {
      if (tensor && tensor._storage.version !== version) {
        throw new Error(
          `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
            `[${tensor.dtype} [${tensor.shape.join(', ')}]]${tensor.gradFn ? `, which is output 0 of ${tensor.gradFn.name},` : ''} ` +
            `is at version ${tensor._storage.version}; expected version ${version} instead.`,
        );
      }
    }
    // an op saves only what its needed gradients use, so an unsaved slot is never read
    return this.savedTensors.map((s) => s.tensor as Tensor);
  }

  /**
   * Called by an in-place op on its own node just before it overwrites `storage`: saved inputs
   * that live there are replaced by `copy(t)`, their values before the write (`y.log_()` needs
   * the old y, `y.mul_(w)` the old y for w's gradient), as PyTorch saves `original_self`.
   */
  keepOriginals(storage: Storage, copy: (t: Tensor) => Tensor): void {
    if (!this.savedTensors) return;
    this.savedTensors = this.savedTensors.map((s) => {
      if (s.tensor?._storage !== storage) return s;
      const kept = copy(s.tensor);
      return { tensor: kept, version: kept._storage.version };
    });
  }

  /** Drops the saved tensors after a backward pass that does not retain the graph. */
  free(): void {
    if (this.savedTensors && this.savedTensors.length > 0) this.savedTensors = undefined;
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

const accumulators = new WeakMap<Tensor, Node>();

/** The node a gradient for `t` flows into: its `gradFn`, or for a leaf requiring grad its `AccumulateGrad`; null if it needs no gradient. */
export function gradNodeOf(t: Tensor): Node | null {
  if (t.gradFn) return t.gradFn;
  if (!t.requiresGrad) return null;
  let node = accumulators.get(t);
  if (!node) {
    node = new Node('AccumulateGrad', [], [], () => [], [], t);
    accumulators.set(t, node);
  }
  return node;
}

/**
 * Records `output = op(inputs)` in the graph when grad mode is on and some input requires grad:
 * `output` gets a node named `name` whose `backward` maps the output's gradient to the inputs'.
 * `backward` receives the `saved` tensors as an argument, and captures no tensor itself (only
 * shapes and dtypes), so that the graph holds tensors only where an op needs them and frees
 * them after backward. Returns `output`.
 */
export function record(
  name: string,
  inputs: readonly (Tensor | null)[],
  output: Tensor,
  backward: BackwardFn,
  saved: readonly (Tensor | undefined)[] = [],
): Tensor {
  // only floating tensors carry gradients: an integer or bool result never requires grad
  if (!isGradEnabled() || !isFloating(output.dtype) || !inputs.some((t) => t?.requiresGrad)) return output;
  const node = new Node(
    name,
    inputs.map((t) => (t?.requiresGrad ? gradNodeOf(t) : null)),
    inputs.map((t) => t?.shape ?? []),
    backward,
    saved,
  );
  node.ownsResults = true;
  output.gradFn = node;
  output.requiresGrad = true;
  return output;
}
