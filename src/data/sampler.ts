/**
 * Samplers decide the order in which a `DataLoader` visits a dataset, like
 * `torch.utils.data.Sampler`. A sampler is just an iterable of sample indices (with a `length`
 * when it knows how many); a batch sampler is an iterable of arrays of indices, one per batch.
 *
 * `shuffle: true` in a DataLoader means a `RandomSampler`: every time an epoch starts, it draws a
 * fresh random permutation of all the indices from a seeded generator, so each epoch visits every
 * sample exactly once, in a new order, and the same seed gives the same orders again.
 */
import { defaultGenerator, type Generator } from '../random.js';

/** An iterable of sample indices, optionally with its length. */
export interface Sampler extends Iterable<number> {
  readonly length?: number;
}

/** An iterable of batches of sample indices, optionally with the number of batches. */
export interface BatchSamplerLike extends Iterable<number[]> {
  readonly length?: number;
}

/**
 * A uniformly random permutation of `0 … n-1` by the Fisher–Yates shuffle: walk from the end,
 * swapping each position with a random position at or before it. Every one of the n! orders is
 * equally likely, and it takes n - 1 draws.
 * @internal
 */
export function randperm(n: number, generator: Generator): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.integer(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * Indices `0, 1, …, length - 1` in order, like `torch.utils.data.SequentialSampler`.
 * @example
 * const ds = new torch.data.TensorDataset(torch.zeros(3));
 * [...new torch.data.SequentialSampler(ds)]; // [0, 1, 2]
 */
export class SequentialSampler implements Sampler {
  constructor(readonly dataSource: { readonly length: number }) {}

  get length(): number {
    return this.dataSource.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.dataSource.length; i++) yield i;
  }
}

/** Options of `RandomSampler`. */
export interface RandomSamplerOptions {
  /** Draw with replacement (indices may repeat); default false, a permutation. */
  replacement?: boolean;
  /** How many indices per epoch; default the dataset's length. */
  numSamples?: number;
  /** Where the randomness comes from; default the global generator at the start of each epoch. */
  generator?: Generator;
}

/**
 * Random indices, like `torch.utils.data.RandomSampler`: without replacement, each pass is a
 * new random permutation of the whole dataset, drawn when the pass starts.
 * @example
 * const ds = new torch.data.TensorDataset(torch.zeros(5));
 * const sampler = new torch.data.RandomSampler(ds, { generator: new torch.Generator(0) });
 * [...sampler].sort(); // [0, 1, 2, 3, 4]
 */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly numSamples: number | undefined;

  constructor(
    readonly dataSource: { readonly length: number },
    options: RandomSamplerOptions = {},
  ) {
    this.replacement = options.replacement ?? false;
    this.numSamples = options.numSamples;
    this.generator = options.generator;
    if (this.numSamples !== undefined && (!Number.isInteger(this.numSamples) || this.numSamples <= 0)) {
      throw new RangeError(`numSamples should be a positive integer value, but got numSamples=${this.numSamples}`);
    }
  }

  get length(): number {
    return this.numSamples ?? this.dataSource.length;
  }

  /** Draws the whole epoch's order now, so that it is fixed when the epoch starts. */
  [Symbol.iterator](): Iterator<number> {
    const generator = this.generator ?? defaultGenerator;
    const n = this.dataSource.length;
    const count = this.length;
    const order = new Int32Array(count);
    if (n === 0) return order.subarray(0, 0)[Symbol.iterator]();
    if (this.replacement) {
      for (let i = 0; i < count; i++) order[i] = generator.integer(0, n);
    } else {
      // more samples than the dataset has: whole permutations, then part of one more
      for (let start = 0; start < count; start += n) order.set(randperm(n, generator).subarray(0, count - start), start);
    }
    return order[Symbol.iterator]();
  }
}

/**
 * The given indices in a random order, like `torch.utils.data.SubsetRandomSampler`.
 * @example
 * const sampler = new torch.data.SubsetRandomSampler([10, 20, 30], new torch.Generator(1));
 * [...sampler].sort(); // [10, 20, 30]
 */
export class SubsetRandomSampler implements Sampler {
  readonly indices: readonly number[];

  constructor(
    indices: Iterable<number>,
    readonly generator?: Generator,
  ) {
    this.indices = Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  [Symbol.iterator](): Iterator<number> {
    const order = randperm(this.indices.length, this.generator ?? defaultGenerator);
    return Array.from(order, (i) => this.indices[i])[Symbol.iterator]();
  }
}

/**
 * Groups the indices of `sampler` into batches of `batchSize`, like
 * `torch.utils.data.BatchSampler`. The last batch is smaller when the sizes don't divide, or
 * left out with `dropLast`.
 * @example
 * const ds = new torch.data.TensorDataset(torch.zeros(5));
 * const batches = new torch.data.BatchSampler(new torch.data.SequentialSampler(ds), 2, false);
 * [...batches]; // [[0, 1], [2, 3], [4]]
 * batches.length; // 3
 * new torch.data.BatchSampler(new torch.data.SequentialSampler(ds), 2, true).length; // 2
 */
export class BatchSampler implements BatchSamplerLike {
  constructor(
    readonly sampler: Sampler,
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batchSize should be a positive integer value, but got batchSize=${batchSize}`);
    }
  }

  /** `floor(n / batchSize)` with `dropLast`, else `ceil(n / batchSize)`. */
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError('this BatchSampler has no length: its sampler has none');
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  [Symbol.iterator](): Iterator<number[]> {
    // ask the sampler for its pass now (a RandomSampler draws its order here), not at the first batch
    return this.batches(this.sampler[Symbol.iterator]());
  }

  private *batches(indices: Iterator<number>): IterableIterator<number[]> {
    let batch: number[] = [];
    for (let next = indices.next(); !next.done; next = indices.next()) {
      const index = next.value;
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
