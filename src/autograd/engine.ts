/**
 * The backward pass. `backward()` walks the graph once, in reverse topological order (micrograd's
 * build-topo), so each node runs only after every gradient flowing into it has been summed; then
 * it applies that node's chain rule and passes the results on. Leaves accumulate into `.grad`.
 */
import { contiguousStrides, fmtShape, sameShape } from '../shape.js';
import { onesLike } from '../ops/creation.js';
import type { Storage, Tensor } from '../tensor.js';
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

  // Each node's gradient so far, and how many of them are on each storage (one tensor, or views of
  // one storage, can be on its way to several nodes: an add passes its gradient to both inputs).
  const grads = new Map<Node, Tensor>();
  const waiting = new Map<Storage, number>();
  const count = (storage: Storage, by: number) => waiting.set(storage, (waiting.get(storage) ?? 0) + by);
  const put = (node: Node, g: Tensor) => {
    const had = grads.get(node);
    if (had) count(had._storage, -1);
    grads.set(node, g);
    count(g._storage, 1);
  };
  const take = (node: Node): Tensor | undefined => {
    const g = grads.get(node);
    if (g) {
      grads.delete(node);
      count(g._storage, -1);
    }
    return g;
  };
  // a stored gradient must not be on a storage that is still on its way to another node, where a
  // hook could write into it (or a later leaf take it too)
  const inFlight = (storage: Storage) => (waiting.get(storage) ?? 0) > 0;
  // The storages this pass made and nobody else can see (see `accumulate`): a sum made here, and a
  // node's gradients for its inputs when their storage is neither the node's gradient's nor one of
  // its saved tensors' (a backward function made by `record` captures no other tensor).
  const owned = new Set<Storage>();
  // An owned gradient that no node waits for any more is garbage as soon as it has been used: its
  // memory goes back to the backend at once (wasm's heap, webgpu's buffer pool) instead of when a
  // garbage collection finds it, so the next step's temporaries reuse it (on webgpu, with the same
  // buffers, the kernels' bind groups too). Not when the pass is recorded: the new graph saves them.
  const release = (g: Tensor) => {
    if (createGraph || !owned.has(g._storage) || inFlight(g._storage)) return;
    owned.delete(g._storage);
    g.dispose();
  };
  // Gradients summed into another: released once the running node has passed all its gradients on
  // (one of them may be on the same storage as one still to go to a later input).
  const summed: Tensor[] = [];
  const releaseSummed = () => {
    for (const g of summed.splice(0)) release(g);
  };
  const add = (node: Node, g: Tensor) => {
    const have = grads.get(node);
    if (!have) {
      put(node, g);
      return;
    }
    const sum = have.add(g);
    owned.add(sum._storage);
    put(node, sum);
    summed.push(have, g);
  };
  const store = (t: Tensor, g: Tensor) => accumulate(t, g, createGraph, owned.has(g._storage) && !inFlight(g._storage), owned);
  rootNodes.forEach((node, i) => add(node, rootGrads[i]));
  releaseSummed();

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
      let grad = take(node);
      if (!grad) continue;
      for (const hook of node.hooks) {
        owned.delete(grad._storage); // the hook may keep it
        grad = hook(grad) ?? grad;
      }
      if (node.retainsGradOf && !capture) store(node.retainsGradOf, grad);
      const target = captureNodes.get(node);
      if (target) {
        captured.set(target, grad);
        owned.delete(grad._storage); // the caller's now
      }
      if (node.variable) {
        if (!capture) store(node.variable, grad);
        release(grad); // unless the leaf took it as its .grad
        continue;
      }
      if (!continuesPast(node)) continue;
      const saved = node.saved();
      const inputGrads = node.backwardFn(grad, saved);
      const seen = new Set([grad._storage, ...saved.map((t) => t?._storage)]);
      node.next.forEach((next, i) => {
        const g = inputGrads[i];
        if (!next || !g) return;
        const shape = node.inputShapes[i];
        if (!sameShape(g.shape, shape)) {
          throw new Error(`${node.name} returned a gradient of shape ${fmtShape(g.shape)} for an input of shape ${fmtShape(shape)}`);
        }
        if (node.ownsResults && !seen.has(g._storage)) owned.add(g._storage);
        add(next, g);
      });
      releaseSummed();
      release(grad); // unless it went on to an input as it is
      if (!retainGraph) node.free();
    }
  };
  if (createGraph) enableGrad(run);
  else noGrad(run);
  return captured;
}

/**
 * `t.grad += g`, detached from the graph unless it is being built for double backward.
 *
 * A first gradient is stored as it is, without a copy, where that is safe, as PyTorch's
 * AccumulateGrad "steals" a gradient that nothing else refers to. `.grad` is the user's to write
 * in place (`p.grad.zero_()`, `mul_`), so its storage must be seen by no one else: `owns` says
 * that this pass made it and it goes nowhere else in the pass (it is not the `gradient` the user
 * passed to backward(), nor a saved tensor, nor anything a hook saw); once taken it is no longer
 * owned, so a second leaf fed the same storage (`a + b` gives both the same tensor) gets a copy.
 * And the gradient must fill its storage exactly, so that it neither keeps a larger buffer alive
 * nor overlaps itself (an `expand`), with the leaf's strides: PyTorch's gradient layout contract,
 * which the optimizer's elementwise updates of `p` and `p.grad` rely on to run as one pass. A
 * gradient that fails any of these is copied, as before.
 */
function accumulate(t: Tensor, g: Tensor, createGraph: boolean, owns: boolean, owned: Set<Storage>): void {
  const grad = g.dtype === t.dtype ? g : g.to(t.dtype); // a cast makes a new storage, seen by no one
  if (t.grad) t.grad = t.grad.add(grad);
  else if (createGraph) t.grad = grad;
  else if ((owns || grad !== g) && fillsStorageLike(grad, t)) {
    owned.delete(grad._storage);
    t.grad = grad.detach();
  } else t.grad = grad.detach().clone();
}

/**
 * True when `g` is laid out like `t` (its strides, where a dim has more than one element) and is
 * all of its storage, each element once. A `t` that is not dense itself (an expanded leaf) asks for
 * a contiguous `g`, as in PyTorch.
 */
function fillsStorageLike(g: Tensor, t: Tensor): boolean {
  const strides = isDense(t) ? t._strides : contiguousStrides(t.shape);
  // with those strides (dense ones) g is dense too, so at offset 0 it covers numel elements exactly
  const sameLayout = g.shape.every((size, d) => size === 1 || g._strides[d] === strides[d]);
  return sameLayout && g._offset === 0 && g.numel() === g._storage.length;
}

/** True when some order of `t`'s dims makes its strides contiguous: no element twice, no gaps. */
function isDense(t: Tensor): boolean {
  const dims = t.shape.map((size, d) => ({ size, stride: t._strides[d] })).filter((d) => d.size !== 1);
  dims.sort((a, b) => a.stride - b.stride);
  let expected = 1;
  for (const { size, stride } of dims) {
    if (stride !== expected) return false;
    expected *= size;
  }
  return true;
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
  if (!sameShape(grad.shape, output.shape)) {
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
