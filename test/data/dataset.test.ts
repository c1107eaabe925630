/** Datasets (src/data/dataset.ts) and samplers (src/data/sampler.ts). */
import { describe, expect, it as vit, vi } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import { randperm } from '../../src/data/sampler.js';

const { TensorDataset, Subset, ConcatDataset, randomSplit, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } = torch.data;

/** A dataset whose sample i is the number i. */
class Range extends torch.data.Dataset<number> {
  constructor(readonly length: number) {
    super();
  }
  getItem(index: number): number {
    return index;
  }
}

const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Dataset', () => {
  vit('a subclass gives length and getItem, and is iterable', () => {
    const ds = new Range(3);
    expect(ds.length).toBe(3);
    expect([...ds]).toEqual([0, 1, 2]);
  });
});

describe('TensorDataset', () => {
  vit('sample i holds row i of each tensor', () => {
    const X = torch.arange(12).reshape(4, 3);
    const y = torch.tensor([1, 0, 1, 1]);
    const ds = new TensorDataset(X, y);
    expect(ds.length).toBe(4);
    const [x2, y2] = ds.getItem(2);
    expect(x2.tolist()).toEqual([6, 7, 8]);
    expect(y2.item()).toBe(1);
    expect(ds.getItem(-1)[0].tolist()).toEqual([9, 10, 11]); // Python-style negative index
  });

  vit('checks sizes and indices', () => {
    expect(() => new TensorDataset(torch.zeros(3), torch.zeros(4))).toThrow('Size mismatch between tensors');
    expect(() => new TensorDataset()).toThrow('at least one tensor');
    expect(() => new TensorDataset(torch.zeros(2)).getItem(2)).toThrow('index 2 is out of range for a dataset of 2 samples');
    expect(() => new TensorDataset(torch.zeros(2)).getItem(-3)).toThrow(RangeError);
  });
});

describe('Subset and ConcatDataset', () => {
  vit('Subset picks indices in its order', () => {
    const sub = new Subset(new Range(10), [7, 2, 2]);
    expect([...sub]).toEqual([7, 2, 2]);
    expect(sub.getItem(-1)).toBe(2);
  });

  it.prop([fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 5 })])('ConcatDataset chains its parts', (sizes) => {
    const parts = sizes.map((n, k) => new Subset(new Range(100), range(n).map((i) => k * 10 + i)));
    const all = new ConcatDataset(parts);
    expect(all.length).toBe(sizes.reduce((a, b) => a + b, 0));
    expect([...all]).toEqual(parts.flatMap((p) => [...p]));
  });

  vit('ConcatDataset rejects an empty list and bad indices', () => {
    expect(() => new ConcatDataset([])).toThrow('datasets should not be an empty iterable');
    expect(() => new ConcatDataset([new Range(2)]).getItem(2)).toThrow(RangeError);
  });
});

describe('randomSplit', () => {
  it.prop([fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 4 }), fc.integer()])(
    'lengths: the subsets partition the dataset',
    (lengths, seed) => {
      const n = lengths.reduce((a, b) => a + b, 0);
      if (n === 1) return; // lengths that add up to 1 are read as fractions (tested below)
      const parts = randomSplit(new Range(n), lengths, new torch.Generator(seed));
      expect(parts.map((p) => p.length)).toEqual(lengths);
      expect(sorted(parts.flatMap((p) => [...p]))).toEqual(range(n));
    },
  );

  vit('fractions: floor of each, then the remainder round-robin (PyTorch rule)', () => {
    const lengthsOf = (n: number, fractions: number[]) => randomSplit(new Range(n), fractions, new torch.Generator(0)).map((s) => s.length);
    expect(lengthsOf(10, [0.8, 0.2])).toEqual([8, 2]);
    expect(lengthsOf(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]); // floors 3, 3, 3; one left over goes to the first
    expect(lengthsOf(5, [0.5, 0.5])).toEqual([3, 2]);
  });

  vit('is seeded: the same generator seed gives the same split', () => {
    const split = (seed: number) => randomSplit(new Range(20), [10, 10], new torch.Generator(seed)).map((s) => [...s]);
    expect(split(3)).toEqual(split(3));
    expect(split(3)).not.toEqual(split(4));
  });

  vit('errors as PyTorch raises them', () => {
    expect(() => randomSplit(new Range(10), [5, 6])).toThrow('Sum of input lengths does not equal the length of the input dataset!');
    expect(() => randomSplit(new Range(10), [1.5, -0.5])).toThrow('Fraction at index 0 is not between 0 and 1');
  });

  vit('warns about an empty split', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    randomSplit(new Range(2), [0.9, 0.1]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('length of split at index 1 is 0'));
    warn.mockRestore();
  });
});

describe('samplers', () => {
  it.prop([fc.integer({ min: 0, max: 200 }), fc.integer()])('randperm is a permutation of 0 … n-1', (n, seed) => {
    expect(sorted(randperm(n, new torch.Generator(seed)))).toEqual(range(n));
  });

  vit('randperm: every order of 3 elements appears, about equally often', () => {
    const g = new torch.Generator(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = randperm(3, g).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  vit('SequentialSampler counts up', () => {
    const s = new SequentialSampler(new Range(4));
    expect([...s]).toEqual([0, 1, 2, 3]);
    expect(s.length).toBe(4);
  });

  vit('RandomSampler draws a new permutation for each pass, reproducibly from its generator', () => {
    const passes = (seed: number) => {
      const s = new RandomSampler(new Range(30), { generator: new torch.Generator(seed) });
      return [[...s], [...s], [...s]];
    };
    const [a, b, c] = passes(1);
    for (const pass of [a, b, c]) expect(sorted(pass)).toEqual(range(30));
    expect(a).not.toEqual(b);
    expect(b).not.toEqual(c);
    expect(passes(1)).toEqual([a, b, c]);
  });

  vit('RandomSampler without a generator uses the global one (torch.manualSeed)', () => {
    const s = new RandomSampler(new Range(10));
    torch.manualSeed(9);
    const a = [...s];
    torch.manualSeed(9);
    expect([...s]).toEqual(a);
  });

  vit('RandomSampler: numSamples beyond the length gives whole permutations and part of one more', () => {
    const s = new RandomSampler(new Range(4), { numSamples: 10, generator: new torch.Generator(0) });
    const pass = [...s];
    expect(pass).toHaveLength(10);
    expect(sorted(pass.slice(0, 4))).toEqual([0, 1, 2, 3]);
    expect(sorted(pass.slice(4, 8))).toEqual([0, 1, 2, 3]);
    expect(() => new RandomSampler(new Range(4), { numSamples: 0 })).toThrow('numSamples should be a positive integer');
  });

  vit('RandomSampler with replacement draws indices in range, possibly repeated', () => {
    const pass = [...new RandomSampler(new Range(3), { replacement: true, numSamples: 100, generator: new torch.Generator(0) })];
    expect(pass).toHaveLength(100);
    expect(new Set(pass)).toEqual(new Set([0, 1, 2]));
  });

  vit('SubsetRandomSampler shuffles the given indices', () => {
    const pass = [...new SubsetRandomSampler([5, 6, 7, 8], new torch.Generator(2))];
    expect(sorted(pass)).toEqual([5, 6, 7, 8]);
  });

  it.prop([fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 20 }), fc.boolean()])(
    'BatchSampler: batches of batchSize, the last smaller or dropped; length = ceil or floor of n / batchSize',
    (n, batchSize, dropLast) => {
      const sampler = new BatchSampler(new SequentialSampler(new Range(n)), batchSize, dropLast);
      const batches = [...sampler];
      expect(sampler.length).toBe(dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize));
      expect(batches).toHaveLength(sampler.length);
      batches.slice(0, -1).forEach((b) => expect(b).toHaveLength(batchSize));
      expect(batches.flat()).toEqual(range(dropLast ? Math.floor(n / batchSize) * batchSize : n));
    },
  );

  vit('BatchSampler checks batchSize', () => {
    expect(() => new BatchSampler(new SequentialSampler(new Range(3)), 0, false)).toThrow('batchSize should be a positive integer value, but got batchSize=0');
  });
});
