/**
 * Pictures of the backward graph: `toDot(t)` writes Graphviz DOT, the diagram the tutorial draws
 * (torchviz's `make_dot`). Grey boxes are the nodes backward runs through (`gradFn`s); blue boxes
 * are the leaves whose `.grad` it fills, labelled by name (when given) and shape; arrows point
 * the way the forward pass went, from inputs to the output.
 */
import type { Tensor } from '../tensor.js';
import { gradNodeOf, type Node } from './node.js';

/**
 * The backward graph of `t` as Graphviz DOT. `params` names leaves (e.g. `{ w, b }`).
 * Render it with `dot -Tsvg graph.dot -o graph.svg`.
 * @example
 * const w = torch.ones(2, { requiresGrad: true });
 * const dot = torch.autograd.toDot(w.mul(2).sum(), { params: { w } });
 * dot.includes('MulBackward0'); // true
 * dot.includes('w\\n(2)'); // true
 */
export function toDot(t: Tensor, options: { params?: Record<string, Tensor> } = {}): string {
  const root = gradNodeOf(t);
  const names = new Map<Tensor, string>(Object.entries(options.params ?? {}).map(([name, p]) => [p, name]));
  const ids = new Map<Node, string>();
  const lines = ['digraph {', '  graph [rankdir=TB]', '  node [shape=box, style=filled, fillcolor=lightgrey, fontname="monospace", fontsize=12]'];
  const shapeOf = (x: Tensor) => `(${x.shape.join(', ')})`;
  const quote = (s: string) => JSON.stringify(s);

  const output = 'output';
  lines.push(`  ${output} [label=${quote(`${t.gradFn ? '' : 'leaf '}${shapeOf(t)}`)}, fillcolor=darkolivegreen1]`);
  if (!root) return [...lines, '}'].join('\n');

  // walk the graph breadth-first, giving each node an id the first time it is seen
  const queue: Node[] = [root];
  ids.set(root, 'n0');
  lines.push(`  n0 -> ${output}`);
  while (queue.length) {
    const node = queue.shift()!;
    const id = ids.get(node)!;
    const label = node.variable
      ? `${names.get(node.variable) ?? ''}\n${shapeOf(node.variable)}`.replace(/^\n/, '')
      : node.name;
    lines.push(`  ${id} [label=${quote(label)}${node.variable ? ', fillcolor=lightblue' : ''}]`);
    for (const next of node.next) {
      if (!next) continue;
      if (!ids.has(next)) {
        ids.set(next, `n${ids.size}`);
        queue.push(next);
      }
      lines.push(`  ${ids.get(next)} -> ${id}`);
    }
  }
  return [...lines, '}'].join('\n');
}
