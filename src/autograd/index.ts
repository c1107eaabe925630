/**
 * `torch.autograd`: the functional side of automatic differentiation — gradients returned rather
 * than accumulated, finite-difference checking, and pictures of the graph.
 */
export { grad, type BackwardOptions } from './engine.js';
export { gradcheck, type GradcheckOptions } from './gradcheck.js';
export { toDot } from './dot.js';
export { Node, type Hook, type BackwardFn, type InputGrads } from './node.js';
