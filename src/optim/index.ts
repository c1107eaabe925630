/**
 * `torch.optim`: optimizers that update a model's parameters from their gradients (`SGD`, `Adam`,
 * `AdamW`), and learning-rate schedulers (`lrScheduler.StepLR`). Each optimizer's doc comment
 * writes its update rule out; the code follows PyTorch's order of operations, so the numbers
 * match PyTorch's step for step.
 */
export {
  Optimizer,
  type BaseHyperparameters,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type OptimizerStateDict,
} from './optimizer.js';
export { SGD, type SGDHyperparameters } from './sgd.js';
export { Adam, AdamW, type AdamHyperparameters } from './adam.js';
export * as lrScheduler from './lr-scheduler.js';
