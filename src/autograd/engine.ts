/**
 * The backward pass. `backward()` walks the graph once, in reverse topological order (micrograd's
 * build-topo), so each node runs only after every gradient flowing into it has been summed; then
 * it applies that node's chain rule and passes the results on. Leaves accumulate into `.grad`.
 */
import { fmtShape } from '../shape.js';
import { onesLike } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { gradNodeOf, type Node } from './node.js';

export interface BackwardOptions {
  /** Keep the saved tensors so backward can run through this graph again (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so gradients can be differentiated again (double backward). */
  createGraph?: boolean;
}

/** Every node reachable from `roots`, ordered so that a node comes after all nodes that feed gradients into it. */
function reverseTopologicalOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>();
  // an explicit stack instead of recursion: graphs of long training loops can be deep
  const stack: { node: Node; expanded: boolean }[] = roots.map((node) => ({ node, expanded: false }));
  while (stack.length) {
    const top = stack.pop()!;
    if (top.expanded) {
      order.push(top.node);
      continue;
    }
    if (visited.has(top.node)) continue;
    visited.add(top.node);
    stack.push({ node: top.node, expanded: true });
    for (const next of top.node.next) {
      if (next && !visited.has(next)) stack.push({ node: next, expanded: false });
    }
  }
  return order.reverse(); // outputs first, leaves last
}

/**
 * Runs the chain rule from `roots` (seeded with `rootGrads`). With `capture`, the gradients that
 * reach those tensors are returned instead of being accumulated into leaves' `.grad`.
 */
export function runBackward(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: BackwardOptions,
  capture?: readonly Tensor[],
): Map<Tensor, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const rootNodes = roots.map((root, i) => {
    const node = gradNodeOf(root);
    if (!node) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return node;
  });
  const captureNodes = new Map<Node, Tensor>();
  for (const t of capture ?? []) {
    const node = gradNodeOf(t);
    if (!node) throw new Error('One of the differentiated Tensors does not require grad');
    captureNodes.set(node, t);
  }

  const grads = new Map<Node, Tensor>();
  const add = (node: Node, g: Tensor) => {
    const have = grads.get(node);
    grads.set(node, have ? have.add(g) : g);
  };
  rootNodes.forEach((node, i) => add(node, rootGrads[i]));

  const order = reverseTopologicalOrder(rootNodes);
  // With `capture` (autograd.grad), only nodes on a path to a captured tensor run, as in PyTorch:
  // the graph beyond a non-leaf input is neither computed nor freed, so it can still be backwarded.
  const leadsToCapture = new Set<Node>();
  for (let i = order.length - 1; i >= 0 && capture; i--) {
    if (captureNodes.has(order[i]) || order[i].next.some((next) => next && leadsToCapture.has(next))) leadsToCapture.add(order[i]);
  }
  // a captured non-leaf with nothing captured beyond it stops there
  const continuesPast = (node: Node) => !capture || node.next.some((next) => next && leadsToCapture.has(next));

  const captured = new Map<Tensor, Tensor>();
  const run = () => {
    for (const node of order) {
      if (capture && !leadsToCapture.has(node)) continue;
      let grad = grads.get(node);
      if (!grad) continue;
      grads.delete(node);
      for (const hook of node.hooks) grad = hook(grad) ?? grad;
      if (node.retainsGradOf && !capture) accumulate(node.retainsGradOf, grad, createGraph);
      const target = captureNodes.get(node);
      if (target) captured.set(target, grad);
      if (node.variable) {
        if (!capture) accumulate(node.variable, grad, createGraph);
        continue;
      }
      if (!continuesPast(node)) continue;
      const inputGrads = node.backwardFn(grad, node.saved());
      node.next.forEach((next, i) => {
        const g = inputGrads[i];
        if (!next || !g) return;
        const shape = node.inputShapes[i];
        if (g.shape.length !== shape.length || g.shape.some((s, d) => s !== shape[d])) {
          throw new Error(`${node.name} returned a gradient of shape ${fmtShape(g.shape)} for an input of shape ${fmtShape(shape)}`);
        }
        add(next, g);
      });
      if (!retainGraph) node.free();
    }
  };
  if (createGraph) enableGrad(run);
  else noGrad(run);
  return captured;
}

/** `t.grad += g`, detached from the graph unless it is being built for double backward. */
function accumulate(t: Tensor, g: Tensor, createGraph: boolean): void {
  const grad = g.dtype === t.dtype ? g : g.to(t.dtype);
  if (t.grad) t.grad = t.grad.add(grad);
  else t.grad = createGraph ? grad : grad.detach().clone(); // a clone: one gradient tensor may flow to several leaves
}

/** `Tensor.backward`: seeds the gradient (1 for a scalar) and runs the graph. */
export function backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  if (gradient === undefined) {
    if (t.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
    gradient = onesLike(t);
  }
  checkGradShape(gradient, t, 0);
  runBackward([t], [gradient], options);
}

function checkGradShape(grad: Tensor, output: Tensor, i: number): void {
  if (grad.shape.length !== output.shape.length || grad.shape.some((s, d) => s !== output.shape[d])) {
    throw new RangeError(
      `Mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(grad.shape)} and output[${i}] has a shape of ${fmtShape(output.shape)}.`,
    );
  }
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of accumulated into
 * `.grad`, like `torch.autograd.grad`. `gradOutputs` seeds non-scalar outputs; `allowUnused`
 * returns null for inputs the outputs do not depend on.
 * @example
 * const x = torch.tensor([3], { dtype: 'float64', requiresGrad: true });
 * const [dx] = torch.autograd.grad(x.pow(2).sum(), x);
 * dx!.tolist(); // [6]
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: BackwardOptions & { gradOutputs?: Tensor | readonly Tensor[]; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
  const given = options.gradOutputs === undefined ? [] : Array.isArray(options.gradOutputs) ? options.gradOutputs : [options.gradOutputs];
  const seeds = outs.map((out, i) => {
    const g = (given as Tensor[])[i];
    if (g) {
      checkGradShape(g, out, i);
      return g;
    }
    if (out.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
    return onesLike(out);
  });
  const captured = runBackward(outs, seeds, options, ins);
  return ins.map((t) => {
    const g = captured.get(t);
    if (g) return g;
    if (!options.allowUnused) {
      throw new Error(
        'One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.',
      );
    }
    return null;
  });
}
