/**
 * `torch.nn`: building blocks for neural networks.
 *
 * - `Module`, the base class of layers and models (callable, printable, with state dicts), and
 *   `Parameter`, the tensors a module trains;
 * - layers: `Linear`, `ReLU`, `Softmax`, `LogSoftmax`, `Flatten`, `Unflatten`, `Dropout`,
 *   `Embedding`, `Conv2d`, `MaxPool2d`, `BatchNorm1d`, and the container `Sequential`;
 * - losses: `MSELoss`, `NLLLoss`, `CrossEntropyLoss`, `BCEWithLogitsLoss`;
 * - `functional` (`F`): the same computations as plain functions, with the math in their docs;
 * - `init`: PyTorch's initialisations (`kaimingUniform_`, `xavierUniform_`, …).
 *
 * Argument convention: what PyTorch code passes by position stays positional
 * (`new nn.Linear(784, 512)`, `new nn.Conv2d(1, 6, 5)`, `new nn.Softmax(1)`); the rest goes in a
 * trailing options object in camelCase (`{ bias: false }`, `{ stride: 2, padding: 1 }`,
 * `{ labelSmoothing: 0.1 }`, `{ device, dtype }`).
 */
export * as functional from './functional.js';
export * as init from './init.js';
export { Parameter } from './parameter.js';
export {
  Module,
  toSnakeCase,
  type AnyModule,
  type StateDict,
  type StateDictOptions,
  type IncompatibleKeys,
  type RemovableHandle,
  type ForwardHook,
  type ForwardPreHook,
} from './module.js';
export { Linear, ReLU, Softmax, LogSoftmax, Flatten, Unflatten, Dropout, Embedding, Sequential, type FactoryOptions } from './layers.js';
export { Conv2d, MaxPool2d, type Conv2dOptions } from './conv.js';
export { BatchNorm1d, type BatchNormOptions } from './normalization.js';
export { MSELoss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from './loss.js';
