/**
 * `torch.data`: PyTorch's `torch.utils.data` — datasets, samplers, collation and the DataLoader —
 * plus `datasets` (FashionMNIST) and `utils` (pictures).
 */
export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit, type DatasetLike } from './dataset.js';
export {
  SequentialSampler,
  RandomSampler,
  SubsetRandomSampler,
  BatchSampler,
  type Sampler,
  type BatchSamplerLike,
  type RandomSamplerOptions,
} from './sampler.js';
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { getWorkerInfo, type WorkerInfo } from './worker-info.js';
export { type Recipe, type Portable } from './recipe.js';
export * as datasets from './datasets/index.js';
export * as utils from './utils/index.js';
