/**
 * Datasets, PyTorch's `torch.utils.data.Dataset` and friends.
 *
 * A dataset is anything with a `length` and a `getItem(index)` that returns one sample (Python's
 * `__len__` and `__getitem__`). It knows nothing about batches, shuffling or threads: that is the
 * `DataLoader`'s job. This file has the base class and the datasets that wrap other data:
 * `TensorDataset` (samples are rows of tensors), `Subset` (some indices of another dataset),
 * `ConcatDataset` (several datasets one after the other) and `randomSplit` (a dataset cut into
 * random, non-overlapping subsets).
 */
import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import type { Portable, Recipe } from './recipe.js';
import { randperm } from './sampler.js';

/** What a `DataLoader` needs of a dataset: its size and a way to read one sample. */
export interface DatasetLike<T> {
  readonly length: number;
  getItem(index: number): T;
}

/**
 * The base class of map-style datasets, like `torch.utils.data.Dataset`: a subclass gives
 * `length` and `getItem(index)`. A dataset is also iterable, one sample after the other.
 * @example
 * class Squares extends torch.data.Dataset<number> {
 *   readonly length = 4;
 *   getItem(index: number): number {
 *     return index * index;
 *   }
 * }
 * new Squares().getItem(3); // 9
 * [...new Squares()]; // [0, 1, 4, 9]
 */
export abstract class Dataset<T> implements DatasetLike<T>, Iterable<T> {
  /** The number of samples, Python's `len(dataset)`. */
  abstract readonly length: number;
  /** The sample at `index`, Python's `dataset[index]`. */
  abstract getItem(index: number): T;

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.getItem(i);
  }
}

/**
 * Checks a sample index and wraps a negative one (`-1` is the last sample), as Python indexing does.
 * @internal
 */
export function checkIndex(index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new RangeError(`index ${index} is out of range for a dataset of ${length} samples`);
  }
  return index < 0 ? index + length : index;
}

/**
 * A dataset whose samples are the rows of tensors: sample `i` is `[t0[i], t1[i], …]`, like
 * `torch.utils.data.TensorDataset`. The tensors must agree in their first dimension.
 * @example
 * const X = torch.arange(6).reshape(3, 2);
 * const y = torch.tensor([0, 1, 0]);
 * const ds = new torch.data.TensorDataset(X, y);
 * ds.length; // 3
 * const [x1, y1] = ds.getItem(1);
 * x1.tolist(); // [2, 3]
 * y1.item(); // 1
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> implements Portable {
  readonly tensors: T;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset needs at least one tensor');
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset takes tensors, got ${typeof t}`);
      if (t.ndim === 0) throw new RangeError('TensorDataset: a 0-d tensor has no rows');
    }
    const sizes = tensors.map((t) => t.shape[0]);
    if (sizes.some((s) => s !== sizes[0])) {
      throw new RangeError(`Size mismatch between tensors: first dimensions are [${sizes.join(', ')}]`);
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length);
    return this.tensors.map((t) => t.index(i)) as T;
  }

  /** Workers get a copy of the tensors. */
  toRecipe(): Recipe {
    return { module: import.meta.url, name: 'TensorDataset', args: this.tensors, construct: true };
  }
}

/**
 * The samples of `dataset` at `indices`, in that order, like `torch.utils.data.Subset`.
 * @example
 * const ds = new torch.data.TensorDataset(torch.tensor([10, 11, 12, 13]));
 * const sub = new torch.data.Subset(ds, [3, 0]);
 * sub.length; // 2
 * sub.getItem(0)[0].item(); // 13
 */
export class Subset<T> extends Dataset<T> implements Portable {
  readonly indices: readonly number[];

  constructor(
    readonly dataset: DatasetLike<T>,
    indices: Iterable<number>,
  ) {
    super();
    this.indices = Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.length)]);
  }

  toRecipe(): Recipe {
    return { module: import.meta.url, name: 'Subset', args: [this.dataset, this.indices], construct: true };
  }
}

/**
 * Several datasets one after the other, like `torch.utils.data.ConcatDataset`.
 * @example
 * const a = new torch.data.TensorDataset(torch.tensor([1, 2]));
 * const b = new torch.data.TensorDataset(torch.tensor([3, 4, 5]));
 * const both = new torch.data.ConcatDataset([a, b]);
 * both.length; // 5
 * both.getItem(2)[0].item(); // 3
 */
export class ConcatDataset<T> extends Dataset<T> implements Portable {
  readonly datasets: readonly DatasetLike<T>[];
  /** `cumulativeSizes[k]` is the number of samples in datasets 0..k together. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<DatasetLike<T>>) {
    super();
    this.datasets = Array.from(datasets);
    if (this.datasets.length === 0) throw new RangeError('datasets should not be an empty iterable');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length);
    // binary search for the first dataset whose cumulative size exceeds i
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].getItem(i - start);
  }

  toRecipe(): Recipe {
    return { module: import.meta.url, name: 'ConcatDataset', args: [this.datasets], construct: true };
  }
}

/**
 * Splits a dataset into non-overlapping random subsets, like `torch.utils.data.random_split`.
 * `lengths` are either the sizes of the subsets (they must add up to the dataset's length) or
 * fractions that add up to 1: each subset then gets `floor(fraction × length)` samples, and the
 * few left over are handed out one each, round-robin, from the first subset on. The split is a
 * random permutation drawn from `generator` (default: the global one, see `torch.manualSeed`).
 * @example
 * const ds = new torch.data.TensorDataset(torch.arange(10));
 * const [train, test] = torch.data.randomSplit(ds, [0.8, 0.2], new torch.Generator(42));
 * [train.length, test.length]; // [8, 2]
 * const seen = [...train, ...test].map(([x]) => x.item()).sort((a, b) => a - b);
 * seen; // [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], generator: Generator = defaultGenerator): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  // PyTorch's rule: lengths that add up to 1 (and not to more than the dataset) are fractions
  if (Math.abs(total - 1) < 1e-9 && total <= n) {
    sizes.forEach((f, i) => {
      if (!(f >= 0 && f <= 1)) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
    });
    sizes = sizes.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    sizes.forEach((size, i) => {
      if (size === 0) console.warn(`randomSplit: length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`randomSplit: lengths must be non-negative integers or fractions that sum to 1, got [${lengths.join(', ')}]`);
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError(`Sum of input lengths does not equal the length of the input dataset! (${sizes.join(' + ')} ≠ ${n})`);
  }
  const order = randperm(n, generator);
  let offset = 0;
  return sizes.map((size) => {
    const subset = new Subset(dataset, order.subarray(offset, offset + size));
    offset += size;
    return subset;
  });
}
