/**
 * The DataLoader with `numWorkers > 0` (src/data/workers.ts, worker.ts, recipe.ts): batches come
 * from worker threads, identical to and in the same order as `numWorkers: 0`; errors in a worker
 * surface in the main thread with the sample index, without hanging; workers stop when the loop
 * ends or breaks.
 *
 * Each DataLoader epoch with workers starts real threads (about half a second each here), so
 * these tests use few epochs and small datasets.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it as vit, vi } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { writeIdx } from '../../src/data/datasets/idx.js';
import { WorkerError, WorkerPool } from '../../src/data/workers.js';
import { failOnPixel, makeNumbered, Numbered, sumLabels, WhoLoads } from './fixtures/portable.js';

const { DataLoader, TensorDataset } = torch.data;
const { ToTensor, Compose, Normalize, Lambda } = torch.transforms;
const fixtures = new URL('./fixtures/portable.ts', import.meta.url).href;

/** Every batch of one epoch, as nested arrays (tensors as `tolist()` with their dtype and shape). */
function plain(value: unknown): unknown {
  if (value instanceof torch.Tensor) return { dtype: value.dtype, shape: value.shape, values: value.tolist() };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
const epoch = (loader: Iterable<unknown>): unknown[] => Array.from(loader, plain);
async function epochAsync(loader: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of loader) out.push(plain(batch));
  return out;
}

/** A tiny FashionMNIST layout under a temp root: image i has every pixel = i, label i % 10. */
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kindling-workers-'));
  const raw = join(root, 'FashionMNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  const write = (prefix: string, n: number) => {
    const images = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) images.fill(i, i * 784, (i + 1) * 784);
    writeIdx(join(raw, `${prefix}-images-idx3-ubyte`), images, [n, 28, 28]);
    writeIdx(join(raw, `${prefix}-labels-idx1-ubyte`), Uint8Array.from({ length: n }, (_, i) => i % 10), [n]);
  };
  write('train', 70);
  write('t10k', 20);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workers give the same batches as numWorkers: 0', () => {
  it.prop(
    [
      fc.record({
        n: fc.integer({ min: 1, max: 40 }),
        batchSize: fc.integer({ min: 1, max: 9 }),
        dropLast: fc.boolean(),
        numWorkers: fc.integer({ min: 1, max: 3 }),
        prefetchFactor: fc.integer({ min: 1, max: 3 }),
        seed: fc.integer(),
      }),
    ],
    { numRuns: 4 },
  )('TensorDataset, shuffled, for … of', ({ n, batchSize, dropLast, numWorkers, prefetchFactor, seed }) => {
    const X = torch.randn(n, 3, { generator: new torch.Generator(seed) });
    const y = torch.arange(n);
    const make = (workers: number) =>
      new DataLoader(new TensorDataset(X, y), { batchSize, dropLast, shuffle: true, generator: new torch.Generator(seed), numWorkers: workers, prefetchFactor });
    expect(epoch(make(numWorkers))).toEqual(epoch(make(0)));
  });

  vit('FashionMNIST + ToTensor (rebuilt in each worker from the IDX files), for await', async () => {
    const ds = new torch.data.datasets.FashionMNIST({ root, transform: ToTensor() });
    const make = (numWorkers: number) => new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new torch.Generator(1), numWorkers });
    const batches = await epochAsync(make(2));
    expect(batches).toEqual(epoch(make(0)));
    expect(batches).toHaveLength(9);
    expect((batches[0] as { shape: number[] }[])[0].shape).toEqual([8, 1, 28, 28]);
  });

  vit('several epochs with persistent workers, each a new permutation', () => {
    const ds = new torch.data.datasets.FashionMNIST({ root, train: false, transform: Compose([ToTensor(), Normalize([0.5], [0.5])]) });
    const make = (numWorkers: number) =>
      new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new torch.Generator(2), numWorkers, persistentWorkers: numWorkers > 0 });
    const withWorkers = make(2);
    const inThread = make(0);
    const epochs = [0, 1, 2].map(() => epoch(withWorkers));
    expect(epochs).toEqual([0, 1, 2].map(() => epoch(inThread)));
    expect(epochs[0]).not.toEqual(epochs[1]);
  });

  vit('batchSize: null (single samples) and a workerDataset recipe', () => {
    const make = (numWorkers: number) =>
      new DataLoader(new Numbered(5), { batchSize: null, numWorkers, workerDataset: { module: fixtures, name: 'makeNumbered', args: [5] } });
    expect(epoch(make(2))).toEqual(epoch(make(0)));
    expect(makeNumbered(5).length).toBe(5);
  });

  vit('a collateFn that is not portable runs in the main thread; a portable one in the workers', () => {
    const labels = (samples: [Tensor, number][]) => samples.map(([, label]) => label);
    expect([...new DataLoader(new Numbered(5), { batchSize: 2, numWorkers: 2, collateFn: labels })]).toEqual([[0, 1], [2, 3], [4]]);
    expect([...new DataLoader(new Numbered(5), { batchSize: 2, numWorkers: 2, collateFn: sumLabels })]).toEqual([1, 5, 4]);
  });
});

describe('inside the workers', () => {
  vit('batches go to the workers round-robin; each worker knows its id and seeds its generator with base seed + id', () => {
    const loader = new DataLoader(new WhoLoads(12), { batchSize: 2, numWorkers: 3, generator: new torch.Generator(0) });
    const batches = [...loader] as unknown as { worker: Tensor; seed: Tensor }[];
    expect(batches.map((b) => b.worker.tolist())).toEqual([[0, 0], [1, 1], [2, 2], [0, 0], [1, 1], [2, 2]]);
    const seeds = batches.slice(0, 3).map((b) => (b.seed.tolist() as number[])[0]);
    expect([seeds[1] - seeds[0], seeds[2] - seeds[0]]).toEqual([1, 2]);
    expect(torch.data.getWorkerInfo()).toBeNull(); // in the main thread
  });
});

describe('errors and shutdown', () => {
  vit('a transform that throws in a worker surfaces in the main thread with the sample index (for … of)', () => {
    const ds = new torch.data.datasets.FashionMNIST({ root, transform: Compose([failOnPixel(37), ToTensor()]) });
    const loader = new DataLoader(ds, { batchSize: 4, numWorkers: 2 });
    let error: unknown;
    let batches = 0;
    try {
      for (const _ of loader) batches++;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as Error).message).toMatch(/^Caught TypeError in DataLoader worker 1 while loading sample 37: cannot transform an image starting with pixel 37/);
    expect((error as WorkerError).index).toBe(37);
    expect(((error as Error).cause as Error).stack).toContain('fixtures/portable.ts'); // the worker's own stack
    expect(batches).toBe(9); // the batches before it came through, in order
  });

  vit('… and with for await', async () => {
    const loader = new DataLoader(new Numbered(30, { throwAt: 11 }), { batchSize: 5, numWorkers: 2, shuffle: true });
    await expect(epochAsync(loader)).rejects.toThrow(/while loading sample 11: sample 11 is broken/);
  });

  vit('a worker thread that dies is an error, not a hang', async () => {
    const loader = new DataLoader(new Numbered(10, { exitAt: 3 }), { batchSize: 2, numWorkers: 2 });
    expect(() => epoch(loader)).toThrow(/DataLoader worker 1.*exited/);
    await expect(epochAsync(loader)).rejects.toThrow(/DataLoader worker 1.*exited/);
  });

  vit('a worker that cannot build its dataset says why', async () => {
    const loader = new DataLoader(new Numbered(4), { numWorkers: 1, workerDataset: { module: fixtures, name: 'noSuchExport' } });
    expect(() => epoch(loader)).toThrow(/while starting: .*no exported function or class named 'noSuchExport'/);
  });

  vit('timeout: waiting too long for a batch is an error', () => {
    const loader = new DataLoader(new Numbered(4, { sleepAt: 0, sleepMs: 5000 }), { batchSize: 2, numWorkers: 1, timeout: 1500 });
    expect(() => epoch(loader)).toThrow('DataLoader timed out after 1500 ms waiting for batch 0 from worker 0');
  });

  vit('a dataset or transform that cannot be sent to a worker is an error before any thread starts', () => {
    const lambda = new torch.data.datasets.FashionMNIST({ root, transform: Lambda((image) => image.data.length) });
    expect(() => epoch(new DataLoader(lambda, { numWorkers: 2 }))).toThrow(
      /the dataset → FashionMNIST\(\) argument 0\.transform is a function.*cannot be sent to a DataLoader worker thread.*workerDataset/s,
    );
    const plainObject = { length: 2, getItem: (i: number) => i };
    expect(() => epoch(new DataLoader(plainObject, { numWorkers: 1 }))).toThrow(/the dataset\.getItem is a function/);
  });

  vit('workers stop when the loop ends, breaks early, or throws', async () => {
    const close = vi.spyOn(WorkerPool.prototype, 'close');
    const loader = new DataLoader(new Numbered(40), { batchSize: 2, numWorkers: 2 });
    epoch(loader);
    expect(close).toHaveBeenCalledTimes(1);
    for (const _ of loader) break;
    expect(close).toHaveBeenCalledTimes(2);
    for await (const _ of loader) break;
    expect(close).toHaveBeenCalledTimes(3);
    const persistent = new DataLoader(new Numbered(8), { batchSize: 2, numWorkers: 1, persistentWorkers: true });
    for (const _ of persistent) break;
    expect(epoch(persistent)).toHaveLength(4); // the next epoch ignores what the broken one left in flight
    expect(close).toHaveBeenCalledTimes(3); // persistent workers stay
    const stale = persistent[Symbol.iterator]();
    stale.next();
    persistent[Symbol.iterator]().next();
    expect(() => stale.next()).toThrow('this DataLoader iterator is stale');
    close.mockRestore();
  });
});
