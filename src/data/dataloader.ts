/**
 * The DataLoader, PyTorch's `torch.utils.data.DataLoader`: it turns a dataset (one sample at a
 * time) into what a training loop wants, an iterable of batches.
 *
 * One epoch, step by step:
 *
 * 1. A **sampler** decides the order of the sample indices: 0, 1, 2, … (`shuffle: false`) or a new
 *    random permutation each epoch (`shuffle: true`, drawn from `generator`).
 * 2. A **batch sampler** cuts that order into batches of `batchSize` indices; with `dropLast`,
 *    a last batch that would be smaller is left out.
 * 3. For each batch, the dataset's `getItem` loads each sample, and **collateFn** combines the
 *    samples into one batch (by default: stacks the image tensors, turns the labels into a tensor).
 * 4. With `numWorkers > 0`, step 3 runs in worker threads, several batches ahead (see workers.ts).
 *
 * Iterate with `for (const [X, y] of loader)` or `for await (const [X, y] of loader)`.
 */
import { defaultGenerator, type Generator } from '../random.js';
import { defaultCollate, type Collated } from './collate.js';
import type { DatasetLike } from './dataset.js';
import { isPortable, pack, unpackData, type Recipe } from './recipe.js';
import { BatchSampler, RandomSampler, SequentialSampler, type BatchSamplerLike, type Sampler } from './sampler.js';
import { WorkerError, WorkerPool, type Reply } from './workers.js';

/** Options of a `DataLoader`; PyTorch's keyword arguments in camelCase. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1); `null` turns batching off: the loader yields single samples. */
  batchSize?: number | null;
  /** A new random order every epoch (default false). */
  shuffle?: boolean;
  /** The order of the indices (instead of `shuffle`). */
  sampler?: Sampler;
  /** The batches of indices (instead of `batchSize`, `shuffle`, `sampler` and `dropLast`). */
  batchSampler?: BatchSamplerLike;
  /** Worker threads that load batches in parallel; 0 (default) loads in the calling thread. */
  numWorkers?: number;
  /** Makes a batch from a list of samples (default `defaultCollate`); with `batchSize: null`, is given each sample. */
  collateFn?: (samples: T[]) => B;
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Where shuffling draws its randomness (default: the global generator, see `torch.manualSeed`). */
  generator?: Generator;
  /** Batches each worker loads ahead (default 2). */
  prefetchFactor?: number;
  /**
   * Keep the worker threads between epochs (default false: start them at each epoch and stop
   * them at its end). Starting a worker takes a moment (it loads the code and rebuilds the
   * dataset), which matters when epochs are short.
   */
  persistentWorkers?: boolean;
  /** Milliseconds to wait for one batch from the workers before giving up; 0 (default) waits forever. */
  timeout?: number;
  /**
   * How each worker gets its dataset when the dataset can't say (it has no `toRecipe()`): a
   * recipe naming an exported function (or class, with `construct: true`) that builds it, e.g.
   * `{ module: import.meta.url, name: 'makeDataset', args: ['data'] }`.
   */
  workerDataset?: Recipe;
}

/**
 * Loads `indices` from `dataset` and makes the step's value: the collated batch, or with
 * `autoBatch` off, the single sample (given to `collate` when there is one).
 */
function loadStep<T, B>(dataset: DatasetLike<T>, indices: readonly number[], autoBatch: boolean, collate: ((samples: any) => B) | null): B {
  if (!autoBatch) {
    const sample = dataset.getItem(indices[0]);
    return collate ? collate(sample) : (sample as unknown as B);
  }
  const samples = new Array<T>(indices.length);
  for (let i = 0; i < indices.length; i++) samples[i] = dataset.getItem(indices[i]);
  return collate!(samples);
}

/**
 * Stops the workers of iterators dropped before they finished (e.g. after one `next()`), and the
 * persistent workers of loaders that are gone. (Workers never keep the process from exiting.)
 */
const abandoned = new FinalizationRegistry<WorkerPool>((pool) => pool.close());

/**
 * Batches of a dataset, like `torch.utils.data.DataLoader` (see the top of this file).
 *
 * With `numWorkers > 0`, worker threads load the batches (Node's `worker_threads`, a browser's
 * Web Workers), `numWorkers × prefetchFactor` batches ahead, and the loop gets them in the same
 * order as without workers. Each worker rebuilds the dataset from a recipe (see recipe.ts):
 * Kindling's datasets and transforms (FashionMNIST, TensorDataset, Subset, ConcatDataset;
 * ToTensor, Normalize, Compose) know theirs; for anything else (your own Dataset class, a
 * `Lambda`), give the dataset a `toRecipe()` method or the loader a `workerDataset` recipe. An
 * error in a worker is thrown by the loop, naming the sample; the workers stop when the loop ends
 * or breaks (or, with `persistentWorkers`, are kept for the next epoch). In a browser, iterate
 * with `for await`: the page's main thread cannot wait for a worker without blocking.
 * @example
 * const X = torch.arange(10).reshape(5, 2);
 * const y = torch.tensor([0, 1, 0, 1, 0]);
 * const loader = new torch.data.DataLoader(new torch.data.TensorDataset(X, y), { batchSize: 2 });
 * loader.length; // 3
 * const shapes = [];
 * for (const [xb, yb] of loader) shapes.push([xb.shape, yb.shape]);
 * shapes; // [[[2, 2], [2]], [[2, 2], [2]], [[1, 2], [1]]]
 * const shuffled = new torch.data.DataLoader(new torch.data.TensorDataset(y), { batchSize: 5, shuffle: true, generator: new torch.Generator(0) });
 * const [[labels]] = [...shuffled];
 * labels.sum().item(); // 2
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetLike<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler;
  readonly batchSampler: BatchSamplerLike | null;
  readonly numWorkers: number;
  readonly collateFn: ((samples: any) => B) | null;
  readonly generator: Generator | undefined;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly timeout: number;
  readonly workerDataset: Recipe | undefined;
  /** The worker threads kept between epochs, with `persistentWorkers`. */
  private workers: WorkerPool | undefined;
  /** True when the user gave a `collateFn` (so workers may need to hand samples back for it). */
  private readonly customCollate: boolean;

  constructor(dataset: DatasetLike<T>, options: DataLoaderOptions<T, B> = {}) {
    const { shuffle = false, sampler, batchSampler, collateFn, generator } = options;
    this.dataset = dataset;
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetchFactor = options.prefetchFactor ?? 2;
    this.timeout = options.timeout ?? 0;
    this.persistentWorkers = options.persistentWorkers ?? false;
    this.generator = generator;
    this.workerDataset = options.workerDataset;
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) {
      throw new RangeError('numWorkers option should be a non-negative integer; use numWorkers: 0 to load in the main thread');
    }
    if (!Number.isInteger(this.prefetchFactor) || this.prefetchFactor < 1) throw new RangeError('prefetchFactor option should be a positive integer');
    if (!(this.timeout >= 0)) throw new RangeError('timeout option should be non-negative');
    if (this.persistentWorkers && this.numWorkers === 0) throw new TypeError('persistentWorkers option needs numWorkers > 0');
    if (sampler && shuffle) throw new TypeError('sampler option is mutually exclusive with shuffle');
    if (batchSampler) {
      if (options.batchSize !== undefined || shuffle || sampler || options.dropLast) {
        throw new TypeError('batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast');
      }
      this.batchSize = null;
      this.dropLast = false;
    } else {
      this.batchSize = options.batchSize === undefined ? 1 : options.batchSize;
      this.dropLast = options.dropLast ?? false;
      if (this.batchSize === null && this.dropLast) {
        throw new TypeError('batchSize: null disables batching and is mutually exclusive with dropLast');
      }
      if (this.batchSize !== null && (!Number.isInteger(this.batchSize) || this.batchSize <= 0)) {
        throw new RangeError(`batchSize should be a positive integer value, but got batchSize=${this.batchSize}`);
      }
    }
    this.sampler = sampler ?? (shuffle ? new RandomSampler(dataset, { generator }) : new SequentialSampler(dataset));
    this.batchSampler = batchSampler ?? (this.batchSize === null ? null : new BatchSampler(this.sampler, this.batchSize, this.dropLast));
    this.customCollate = collateFn !== undefined;
    this.collateFn = collateFn ?? (this.autoBatch ? (defaultCollate as unknown as (samples: T[]) => B) : null);
  }

  /** True when the loader makes batches (PyTorch's "automatic batching"). */
  private get autoBatch(): boolean {
    return this.batchSampler !== null;
  }

  /**
   * The number of batches in an epoch, Python's `len(loader)`: `ceil(n / batchSize)`, or
   * `floor(n / batchSize)` with `dropLast`, for a dataset of n samples.
   */
  get length(): number {
    const steps = this.batchSampler ?? this.sampler;
    if (steps.length === undefined) throw new TypeError('this DataLoader has no length: its sampler has none');
    return steps.length;
  }

  /**
   * Starts an epoch: the indices of each step (batches, or single samples as one-element lists),
   * and a base seed for the workers' generators. The sampler starts its pass now, so a
   * `RandomSampler` draws this epoch's permutation now. Like PyTorch, the seed is drawn in every
   * mode, so that the shuffled order is the same whatever `numWorkers` is.
   */
  private startEpoch(): { seed: number; steps: Iterator<number[]> } {
    const seed = (this.generator ?? defaultGenerator).nextUint32();
    if (this.batchSampler) return { seed, steps: this.batchSampler[Symbol.iterator]() };
    const indices = this.sampler[Symbol.iterator]();
    const steps = (function* () {
      for (let next = indices.next(); !next.done; next = indices.next()) yield [next.value];
    })();
    return { seed, steps };
  }

  [Symbol.iterator](): Iterator<B> {
    const { seed, steps } = this.startEpoch();
    if (this.numWorkers === 0) return this.inThisThread(steps);
    const pool = this.workerPool(seed);
    const iterator = this.fromWorkers(pool, pool.beginEpoch(), steps);
    if (!this.persistentWorkers) abandoned.register(iterator, pool);
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    const { seed, steps } = this.startEpoch();
    if (this.numWorkers === 0) return this.inThisThreadAsync(steps);
    const pool = this.workerPool(seed);
    const iterator = this.fromWorkersAsync(pool, pool.beginEpoch(), steps);
    if (!this.persistentWorkers) abandoned.register(iterator, pool);
    return iterator;
  }

  private *inThisThread(steps: Iterator<number[]>): IterableIterator<B> {
    for (let step = steps.next(); !step.done; step = steps.next()) {
      yield loadStep(this.dataset, step.value, this.autoBatch, this.collateFn);
    }
  }

  private async *inThisThreadAsync(steps: Iterator<number[]>): AsyncIterableIterator<B> {
    yield* this.inThisThread(steps);
  }

  /** Whether the workers collate (default or portable collateFn) or hand the samples to this thread. */
  private workerCollate(): unknown {
    if (!this.customCollate) return 'default';
    return isPortable(this.collateFn) ? pack(this.collateFn, 'collateFn') : 'none';
  }

  /** The workers for an epoch: new ones, or the persistent ones (started on first use). */
  private workerPool(seed: number): WorkerPool {
    if (this.workers) return this.workers;
    const config = {
      dataset: pack(this.workerDataset ? { toRecipe: () => this.workerDataset! } : this.dataset, 'the dataset'),
      collate: this.workerCollate(),
      autoBatch: this.autoBatch,
      numWorkers: this.numWorkers,
      seed,
    };
    const pool = new WorkerPool(config, this.timeout);
    if (this.persistentWorkers) {
      this.workers = pool;
      abandoned.register(this, pool);
    }
    return pool;
  }

  /** Ends an epoch run by workers: stops them, unless they persist. */
  private endEpoch(pool: WorkerPool): void {
    if (!this.persistentWorkers) pool.close();
  }

  /** The value of a worker's reply: the batch, or the error it reports, thrown here. */
  private finish(reply: Reply, workerId: number): B {
    if (reply.type === 'error') throw new WorkerError(workerId, reply.step, reply.index, reply.error);
    if (reply.type !== 'step') throw new Error(`unexpected reply from DataLoader worker ${workerId}`);
    const value = unpackData(reply.value);
    // the workers gave back samples: collate them here
    return this.customCollate && !isPortable(this.collateFn) ? this.collateFn!(value) : (value as B);
  }

  /**
   * An epoch loaded by workers. Up to `numWorkers × prefetchFactor` steps are in flight: each time
   * a batch comes back, the next step is sent, and batches are yielded in step order.
   */
  private *fromWorkers(pool: WorkerPool, epoch: number, steps: Iterator<number[]>): IterableIterator<B> {
    try {
      const flight = this.inFlight(pool, epoch, steps);
      for (let step = flight.next(); step !== undefined; step = flight.next()) {
        const value = this.finish(pool.takeSync(epoch, step), step % this.numWorkers);
        flight.received();
        yield value;
      }
    } finally {
      this.endEpoch(pool);
    }
  }

  /** `fromWorkers` for `for await`: the same steps, waiting without blocking the thread. */
  private async *fromWorkersAsync(pool: WorkerPool, epoch: number, steps: Iterator<number[]>): AsyncIterableIterator<B> {
    try {
      const flight = this.inFlight(pool, epoch, steps);
      for (let step = flight.next(); step !== undefined; step = flight.next()) {
        const value = this.finish(await pool.take(epoch, step), step % this.numWorkers);
        flight.received();
        yield value;
      }
    } finally {
      this.endEpoch(pool);
    }
  }

  /**
   * The steps of an epoch sent to the workers, kept `numWorkers × prefetchFactor` ahead of the one
   * being received: `next()` is the step to receive next (undefined when all are in), and
   * `received()` marks it done and sends more.
   */
  private inFlight(pool: WorkerPool, epoch: number, steps: Iterator<number[]>): { next(): number | undefined; received(): void } {
    let sent = 0;
    let received = 0;
    const refill = (): void => {
      while (sent < received + this.numWorkers * this.prefetchFactor) {
        const step = steps.next();
        if (step.done) return;
        pool.send(epoch, sent++, step.value);
      }
    };
    refill();
    return {
      next: () => (received < sent ? received : undefined),
      received: () => {
        received++;
        refill();
      },
    };
  }
}
