/**
 * `torch.nn`: building blocks for neural networks. For now its functional side, `nn.functional`
 * (stateless functions such as losses); modules (`nn.Module`, `nn.Linear`, the loss classes)
 * come next and call these functions.
 */
export * as functional from './functional.js';
