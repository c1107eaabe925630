/**
 * Kindling: PyTorch's "Learn the Basics" as a readable TypeScript library.
 *
 * `import * as torch from 'kindling'` gives PyTorch's names in TypeScript spelling.
 * @packageDocumentation
 */
export { Tensor, Storage, type TensorLike, type TensorOptions, type IndexItem, type NestedArray } from './tensor.js';
export { type DType, type TypedArray, dtypes, promoteTypes } from './dtype.js';
export {
  type Device,
  type BackendLoader,
  devices,
  init,
  isAvailable,
  bestDevice,
  registerBackend,
  setNumThreads,
  getNumThreads,
} from './device.js';
export { type Shape, broadcastShapes } from './shape.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export type { Backend, View, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, IndexCheck } from './backend/backend.js';
export {
  tensor,
  fromTypedArray,
  zeros,
  ones,
  empty,
  full,
  eye,
  arange,
  linspace,
  rand,
  randn,
  randint,
  zerosLike,
  onesLike,
  fullLike,
  randLike,
  randnLike,
  type NestedData,
  type RandomOptions,
} from './ops/creation.js';
export {
  resultType,
  add,
  sub,
  mul,
  div,
  floorDivide,
  remainder,
  pow,
  maximum,
  minimum,
  clamp,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalAnd,
  logicalOr,
  logicalXor,
  logicalNot,
  equal,
  allclose,
  where,
  neg,
  abs,
  sign,
  exp,
  log,
  sqrt,
  rsqrt,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  floor,
  ceil,
  round,
  trunc,
} from './ops/elementwise.js';
export {
  sum,
  mean,
  prod,
  varOf as var,
  std,
  amax,
  amin,
  max,
  min,
  argmax,
  argmin,
  logsumexp,
  softmax,
  logSoftmax,
  all,
  any,
} from './ops/reduce.js';
export { reshape, flatten, unflatten, squeeze, unsqueeze, permute, transpose, t } from './ops/views.js';
export { gather, scatter, scatterAdd, indexSelect, maskedFill, nonzero, oneHot } from './ops/indexing.js';
export { cat, stack, split, chunk, unbind, narrow } from './ops/joining.js';
export { matmul, mm, bmm, dot, outer } from './ops/linalg.js';
export { index, indexPut } from './ops/indexing.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export * as autograd from './autograd/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { save, load } from './io/index.js';
export * as data from './data/index.js';
export * as transforms from './transforms/index.js';
