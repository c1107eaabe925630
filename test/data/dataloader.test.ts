/** defaultCollate (src/data/collate.ts) and the DataLoader in the calling thread (src/data/dataloader.ts). */
import { describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const { DataLoader, TensorDataset, defaultCollate, BatchSampler, SequentialSampler } = torch.data;

/** A dataset whose sample i is `[tensor [i, -i], i]`: the label says which sample it is. */
class Numbered extends torch.data.Dataset<[Tensor, number]> {
  constructor(readonly length: number) {
    super();
  }
  getItem(index: number): [Tensor, number] {
    return [torch.tensor([index, -index], { dtype: 'float32' }), index];
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
/** The label batches of one epoch, as arrays of numbers. */
const labelsOf = (loader: Iterable<[Tensor, Tensor]>): number[][] => Array.from(loader, ([, y]) => y.tolist() as number[]);

describe('defaultCollate', () => {
  vit('stacks tensors along a new first dim, in one new allocation', () => {
    const a = torch.tensor([[1, 2]], { dtype: 'float32' });
    const b = torch.tensor([[3, 4]], { dtype: 'float32' });
    const batch = defaultCollate([a, b]);
    expect(batch.shape).toEqual([2, 1, 2]);
    expect(batch.tolist()).toEqual([[[1, 2]], [[3, 4]]]);
    batch.fill_(0); // a new tensor: the samples are unchanged
    expect(a.tolist()).toEqual([[1, 2]]);
  });

  vit('stacks non-contiguous views and keeps the dtype', () => {
    const x = torch.arange(6).reshape(2, 3).t(); // 3×2, non-contiguous
    const batch = defaultCollate([x, x]);
    expect(batch.dtype).toBe('int32');
    expect(batch.tolist()).toEqual([x.tolist(), x.tolist()]);
  });

  vit('numbers: whole numbers (class labels) → int32, others → float32; booleans → bool; strings stay strings', () => {
    expect(defaultCollate([3, 1, 4]).dtype).toBe('int32');
    expect(defaultCollate([0.5, 1]).dtype).toBe('float32');
    expect(defaultCollate([0.5, 1]).tolist()).toEqual([0.5, 1]);
    expect(defaultCollate([2 ** 40, 1]).dtype).toBe('float64'); // too big for int32: float64 keeps it exact
    expect(defaultCollate([true, false]).tolist()).toEqual([true, false]);
    expect(defaultCollate(['a', 'b'])).toEqual(['a', 'b']);
  });

  vit('recurses into tuples and plain objects', () => {
    const batch = defaultCollate([
      { image: torch.zeros(2), label: 1, meta: [0.5, 'x'] },
      { image: torch.ones(2), label: 2, meta: [1.5, 'y'] },
    ] as const);
    expect(batch.image.shape).toEqual([2, 2]);
    expect(batch.label.tolist()).toEqual([1, 2]);
    expect(batch.meta[0].tolist()).toEqual([0.5, 1.5]);
    expect(batch.meta[1]).toEqual(['x', 'y']);
  });

  vit('errors name the problem', () => {
    expect(() => defaultCollate([torch.zeros(2), torch.zeros(3)])).toThrow(
      'stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1',
    );
    expect(() => defaultCollate([[1, 2], [3]])).toThrow('each element in list of batch should be of equal size');
    expect(() => defaultCollate([{ data: new Uint8Array(4), height: 2, width: 2 }])).toThrow(/holds images.*ToTensor/);
    expect(() => defaultCollate([new Map()])).toThrow('found an instance of Map');
    expect(() => defaultCollate([])).toThrow('the batch is empty');
    expect(() => defaultCollate([1, 'a'])).toThrow('sample 1 of batch is not a number');
  });
});

describe('DataLoader', () => {
  it.prop([fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), fc.boolean(), fc.integer()], { numRuns: 60 })(
    'batches cover the dataset exactly once (or all but the dropped last one); length = batches per epoch',
    (n, batchSize, shuffle, dropLast, seed) => {
      const loader = new DataLoader(new Numbered(n), { batchSize, shuffle, dropLast, generator: new torch.Generator(seed) });
      const batches = labelsOf(loader);
      const full = Math.floor(n / batchSize);
      expect(loader.length).toBe(dropLast ? full : Math.ceil(n / batchSize));
      expect(batches).toHaveLength(loader.length);
      batches.forEach((b, i) => expect(b.length).toBe(i < full ? batchSize : n % batchSize));
      const seen = batches.flat();
      expect(new Set(seen).size).toBe(seen.length); // no sample twice
      if (!dropLast) expect(sorted(seen)).toEqual(range(n));
      else expect(seen).toHaveLength(full * batchSize);
      if (!shuffle) expect(seen).toEqual(range(seen.length));
    },
  );

  it.prop([fc.integer({ min: 2, max: 60 }), fc.integer()], { numRuns: 30 })(
    'shuffle: every epoch is a full permutation, a new one each epoch, the same ones again for the same seed',
    (n, seed) => {
      const epochs = (s: number) => {
        const loader = new DataLoader(new Numbered(n), { batchSize: 7, shuffle: true, generator: new torch.Generator(s) });
        return range(4).map(() => labelsOf(loader).flat());
      };
      const orders = epochs(seed);
      for (const order of orders) expect(sorted(order)).toEqual(range(n));
      if (n >= 6) expect(new Set(orders.map(String)).size).toBeGreaterThan(1);
      expect(epochs(seed)).toEqual(orders);
    },
  );

  vit('the tutorial loop: features [64, 1, 28, 28] float32 and labels [64] int32', () => {
    const images = torch.rand(100, 1, 28, 28);
    const labels = torch.randint(10, [100]);
    const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 64, shuffle: true });
    const [X, y] = loader[Symbol.iterator]().next().value as [Tensor, Tensor];
    expect(X.shape).toEqual([64, 1, 28, 28]);
    expect(y.shape).toEqual([64]);
    expect(y.dtype).toBe('int32');
    expect(X.device).toBe('js');
  });

  vit('without a generator, shuffling follows torch.manualSeed', () => {
    const loader = new DataLoader(new Numbered(20), { batchSize: 5, shuffle: true });
    torch.manualSeed(123);
    const a = labelsOf(loader);
    torch.manualSeed(123);
    expect(labelsOf(loader)).toEqual(a);
  });

  vit('for await gives the same batches as for … of', async () => {
    const make = () => new DataLoader(new Numbered(23), { batchSize: 4, shuffle: true, generator: new torch.Generator(5) });
    const viaAsync: number[][] = [];
    for await (const [, y] of make()) viaAsync.push(y.tolist() as number[]);
    expect(viaAsync).toEqual(labelsOf(make()));
  });

  vit('sampler and batchSampler choose the order and the batches', () => {
    const reversed = { length: 5, *[Symbol.iterator]() { for (let i = 4; i >= 0; i--) yield i; } };
    expect(labelsOf(new DataLoader(new Numbered(5), { batchSize: 2, sampler: reversed }))).toEqual([[4, 3], [2, 1], [0]]);
    const pairs = [[0, 4], [1, 3], [2]];
    const loader = new DataLoader(new Numbered(5), { batchSampler: pairs });
    expect(labelsOf(loader)).toEqual(pairs);
    expect(loader.length).toBe(3); // an array of batches has a length
    const noLength = { *[Symbol.iterator]() { yield [0]; } };
    expect(() => new DataLoader(new Numbered(5), { batchSampler: noLength }).length).toThrow('has no length');
    const sampler = new BatchSampler(new SequentialSampler(new Numbered(5)), 3, true);
    expect(new DataLoader(new Numbered(5), { batchSampler: sampler }).length).toBe(1);
  });

  vit('batchSize: null yields single samples (no batching)', () => {
    const loader = new DataLoader(new Numbered(3), { batchSize: null });
    expect(loader.length).toBe(3);
    expect([...loader].map(([, label]) => label)).toEqual([0, 1, 2]);
  });

  vit('collateFn makes the batch', () => {
    const loader = new DataLoader(new Numbered(5), { batchSize: 2, collateFn: (samples) => samples.map(([, i]) => i * 10) });
    expect([...loader]).toEqual([[0, 10], [20, 30], [40]]);
  });

  vit('the default batch size is 1', () => {
    const [[X, y]] = new DataLoader(new Numbered(1));
    expect(X.shape).toEqual([1, 2]);
    expect(y.tolist()).toEqual([0]);
  });

  vit('option errors as PyTorch raises them', () => {
    const ds = new Numbered(4);
    const sampler = new SequentialSampler(ds);
    expect(() => new DataLoader(ds, { sampler, shuffle: true })).toThrow('sampler option is mutually exclusive with shuffle');
    expect(() => new DataLoader(ds, { batchSampler: [[0]], batchSize: 2 })).toThrow('batchSampler option is mutually exclusive with batchSize');
    expect(() => new DataLoader(ds, { batchSize: null, dropLast: true })).toThrow('mutually exclusive with dropLast');
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow('batchSize should be a positive integer value, but got batchSize=0');
    expect(() => new DataLoader(ds, { numWorkers: -1 })).toThrow('numWorkers option should be a non-negative integer');
    expect(() => new DataLoader(ds, { persistentWorkers: true })).toThrow('persistentWorkers option needs numWorkers > 0');
  });

  vit('an error in getItem surfaces from the loop', () => {
    const broken = { length: 3, getItem: (i: number) => { if (i === 2) throw new RangeError('bad sample'); return i; } };
    expect(() => [...new DataLoader(broken, { batchSize: 2 })]).toThrow('bad sample');
  });
});
