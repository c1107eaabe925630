/** The seeded generator (src/random.ts) and the random creation functions built on it, per device. */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../src/index.js';
import { Generator, defaultGenerator, manualSeed } from '../src/random.js';
import { devices, floatDTypes, hasFloat64 } from './devices.js';
import { read } from './helpers.js';

const draws = (g: Generator, n: number, f: (g: Generator) => number) => Array.from({ length: n }, () => f(g));

describe('Generator', () => {
  it.prop([fc.integer()], { numRuns: 30 })('same seed gives the same stream', (seed) => {
    const a = new Generator(seed);
    const b = new Generator(seed);
    expect(draws(a, 20, (g) => g.nextUint32())).toEqual(draws(b, 20, (g) => g.nextUint32()));
    expect(draws(a, 5, (g) => g.normal())).toEqual(draws(b, 5, (g) => g.normal()));
  });

  vit('different seeds give different streams', () => {
    const a = draws(new Generator(1), 8, (g) => g.nextUint32());
    const b = draws(new Generator(2), 8, (g) => g.nextUint32());
    expect(a).not.toEqual(b);
  });

  vit('manualSeed restarts the stream, forgetting a pending normal', () => {
    const g = new Generator(7);
    const first = [g.normal(), g.random()];
    g.normal(); // leaves a spare normal behind
    g.manualSeed(7);
    expect([g.normal(), g.random()]).toEqual(first);
  });

  vit('nextUint32 gives unsigned 32-bit integers', () => {
    for (const x of draws(new Generator(3), 1000, (g) => g.nextUint32())) {
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
    }
  });

  it.prop([fc.integer()], { numRuns: 20 })('random() lies in [0, 1)', (seed) => {
    for (const x of draws(new Generator(seed), 200, (g) => g.random())) expect(x >= 0 && x < 1).toBe(true);
  });

  it.prop([fc.integer(), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 20 })], { numRuns: 30 })(
    'integer(low, high) lies in [low, high)',
    (seed, low, width) => {
      for (const k of draws(new Generator(seed), 100, (g) => g.integer(low, low + width))) {
        expect(Number.isInteger(k) && k >= low && k < low + width).toBe(true);
      }
    },
  );

  vit('integer(low, high) reaches every value of a small range', () => {
    expect(new Set(draws(new Generator(5), 500, (g) => g.integer(0, 4)))).toEqual(new Set([0, 1, 2, 3]));
  });

  vit('normal() has mean ≈ 0 and standard deviation ≈ 1', () => {
    const n = 20000;
    const xs = draws(new Generator(11), n, (g) => g.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    // standard error of the mean is 1/√n ≈ 0.007; these bounds are many standard errors wide
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
  });

  vit('getState is a snapshot, not the live state', () => {
    const g = new Generator(9);
    const state = g.getState();
    g.nextUint32();
    expect(g.getState()).not.toEqual(state);
    expect(new Generator(9).getState()).toEqual(state);
  });

  vit('manualSeed seeds the default generator', () => {
    expect(manualSeed(42)).toBe(defaultGenerator);
    const a = defaultGenerator.random();
    manualSeed(42);
    expect(defaultGenerator.random()).toBe(a);
  });
});

/** A generator whose uniform draws are always `u`: the edge cases a real stream almost never hits. */
class FixedGenerator extends Generator {
  constructor(private readonly u: number) {
    super(0);
  }
  override random(): number {
    return this.u;
  }
}

describe.each(devices)('random creation on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([fc.integer(), fc.constantFrom(...floatDTypes(device))], { numRuns: 10 })(
    'same seed gives the same values as on js',
    async (seed, dtype) => {
      torch.manualSeed(seed);
      const expected = [torch.rand(5, { dtype }), torch.randn(5, { dtype }), torch.randint(-3, 9, [5])].map((t) => t.tolist());
      torch.manualSeed(seed);
      const got = [torch.rand(5, { dtype, device }), torch.randn(5, { dtype, device }), torch.randint(-3, 9, [5], { device })];
      for (const [i, t] of got.entries()) {
        expect(t.device).toBe(device);
        expect((await read(t)).data).toEqual((expected[i] as number[]).flat());
      }
    },
  );

  vit('a generator option replaces the default generator', async () => {
    const a = await read(torch.rand(4, { device, generator: new Generator(1) }));
    const b = await read(torch.rand(4, { device, generator: new Generator(1) }));
    expect(a).toEqual(b);
  });

  vit('rand lies in [0, 1), with shape and dtype as asked', async () => {
    torch.manualSeed(0);
    const r = torch.rand(2, 500, { device });
    expect(r.shape).toEqual([2, 500]);
    expect(r.dtype).toBe('float32');
    for (const x of (await read(r)).data) expect(x >= 0 && x < 1).toBe(true);
    if (hasFloat64(device)) expect(torch.rand([3], { dtype: 'float64', device }).dtype).toBe('float64');
  });

  vit('rand never rounds a draw just below 1 up to 1 in float32', async () => {
    const nearlyOne = 1 - 2 ** -53; // the largest double below 1, which is 1 in float32
    for (const dtype of floatDTypes(device)) {
      const values = (await read(torch.rand(3, { dtype, device, generator: new FixedGenerator(nearlyOne) }))).data;
      for (const x of values) expect(x).toBeLessThan(1);
    }
  });

  vit('randint lies in [low, high) and is int32', async () => {
    torch.manualSeed(1);
    const r = torch.randint(-2, 3, [1000], { device });
    expect(r.dtype).toBe('int32');
    const values = (await read(r)).data;
    for (const x of values) expect(Number.isInteger(x) && x >= -2 && x < 3).toBe(true);
    expect(new Set(values)).toEqual(new Set([-2, -1, 0, 1, 2]));
    const high = (await read(torch.randint(4, [200], { device }))).data; // low defaults to 0
    for (const x of high) expect(x >= 0 && x < 4).toBe(true);
    expect(torch.randint(4, [2], { dtype: 'float32', device }).dtype).toBe('float32');
  });

  vit('randint needs low < high', () => {
    expect(() => torch.randint(5, 5, [3])).toThrow(RangeError);
    expect(() => torch.randint(5, 5, [3])).toThrow("random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
    expect(() => torch.randint(0, [3])).toThrow("but got from=0 >= to=0");
  });

  vit('randn has mean ≈ 0 and std ≈ 1 for large n', async () => {
    torch.manualSeed(2);
    const x = torch.randn(20000, { device });
    expect(Math.abs(await x.mean().itemAsync())).toBeLessThan(0.05);
    expect(Math.abs((await x.std().itemAsync()) - 1)).toBeLessThan(0.05);
    const values = (await read(x)).data;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
  });

  vit('randLike and randnLike follow the model tensor', () => {
    const dtype = floatDTypes(device).at(-1)!; // float64 where the device has it
    const model = torch.zeros([2, 3], { dtype, device });
    for (const t of [torch.randLike(model), torch.randnLike(model)]) {
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe(dtype);
      expect(t.device).toBe(device);
    }
  });
});
