/**
 * Every differentiable op's backward checked against finite differences with
 * `torch.autograd.gradcheck`, in float64, over random small shapes: broadcasting pairs,
 * non-contiguous leaves (permuted, strided, offset), negative dims and keepdim. Values are drawn
 * where the op is differentiable (no ties for max/min, nothing near 0 for abs and relu, nothing
 * near the bounds for clamp). The last block checks gradcheck itself, and double backward
 * (gradcheck of a function that returns `autograd.grad(…, { createGraph: true })`).
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Device } from '../../src/device.js';
import type { Tensor } from '../../src/tensor.js';
import { devices } from '../devices.js';
import {
  broadcastableTo,
  broadcastPair,
  dimArb,
  dimsArb,
  leaf,
  leafArb,
  numelOf,
  smallShape,
  valuesArb,
  type LeafCase,
  type Values,
} from './arbitraries.js';

// gradcheck reads values synchronously and needs float64; webgpu has neither
const gradDevices = devices.filter((d) => d !== 'webgpu');

/** Runs gradcheck: it returns true or throws a message naming the input, element and both values. */
function check(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): void {
  expect(torch.autograd.gradcheck(fn, inputs)).toBe(true);
}

const runs = { numRuns: 15 };

/** An int32 index tensor on `device`. */
const ints = (values: readonly number[], shape: readonly number[], device: Device) => torch.fromTypedArray(Int32Array.from(values), [...shape]).to(device);
/** A bool tensor on `device`. */
const bools = (values: readonly boolean[], shape: readonly number[], device: Device) =>
  torch.fromTypedArray(Uint8Array.from(values, Number), [...shape]).to(device);

/** Random integers in [min, max] for `n` elements. */
const intsArb = (n: number, min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });

describe.each(gradDevices)('gradcheck: elementwise ops on %s', (device) => {
  beforeAll(() => torch.init(device));

  interface BinaryCase {
    name: string;
    f: (a: Tensor, b: Tensor) => Tensor;
    a: Values;
    b: Values;
  }
  const binaryCases: BinaryCase[] = [
    { name: 'add', f: (a, b) => a.add(b), a: 'real', b: 'real' },
    { name: 'add with alpha', f: (a, b) => a.add(b, { alpha: -2.5 }), a: 'real', b: 'real' },
    { name: 'sub', f: (a, b) => a.sub(b), a: 'real', b: 'real' },
    { name: 'sub with alpha', f: (a, b) => a.sub(b, { alpha: 3 }), a: 'real', b: 'real' },
    { name: 'mul', f: (a, b) => a.mul(b), a: 'real', b: 'real' },
    { name: 'div', f: (a, b) => a.div(b), a: 'real', b: 'nonzero' },
    { name: 'pow (positive base)', f: (a, b) => a.pow(b), a: 'positive', b: 'real' },
    // 'offGrid' values are never within 0.1 of a multiple of 1/4, 'withZeros' are multiples of 1/4: no ties
    { name: 'maximum', f: (a, b) => a.maximum(b), a: 'offGrid', b: 'withZeros' },
    { name: 'minimum', f: (a, b) => torch.minimum(b, a), a: 'offGrid', b: 'withZeros' },
    { name: 'max(other)', f: (a, b) => a.max(b), a: 'offGrid', b: 'withZeros' },
    { name: 'clamp with a tensor min', f: (x, lo) => x.clamp(lo), a: 'offGrid', b: 'withZeros' },
    { name: 'clamp with a tensor max', f: (x, hi) => x.clamp(null, hi), a: 'offGrid', b: 'withZeros' },
  ];
  for (const op of binaryCases) {
    const arb = broadcastPair().chain(([sa, sb]) => fc.tuple(leafArb(sa, op.a), leafArb(sb, op.b)));
    it.prop([arb], runs)(`${op.name}, broadcasting`, ([a, b]) => {
      check(op.f, [a.make(device), b.make(device)]);
    });
  }

  it.prop([leafArb(smallShape(), 'real'), fc.boolean()], runs)('a binary op with one operand that does not require grad', (a, first) => {
    const x = a.make(device);
    const c = x.detach().mul(0.5).add(1);
    check((x) => (first ? x.mul(c).add(c) : c.div(x.pow(2).add(1))), [x]);
  });

  it.prop([smallShape().chain((s) => fc.tuple(leafArb(s, 'nonzero'), valuesArb('real', numelOf(s)), fc.array(fc.integer({ min: -2, max: 2 }), { minLength: numelOf(s), maxLength: numelOf(s) })))], runs)(
    'remainder (away from the jumps at integer quotients)',
    ([b, fractions, wholes]) => {
      // a = b·(n + f) with f in [0.1, 0.9]: a / b is never near an integer
      const divisor = b.make(device);
      const q = fractions.map((f, i) => wholes[i] + 0.1 + 0.8 * ((f + 2) / 4));
      const a = leaf(q.map((v, i) => v * b.values[i]), b.shape, undefined, device);
      check((a, b) => a.remainder(b), [a, divisor]);
      check((a) => a.remainder(-1.5), [leaf(q.map((v) => v * -1.5), b.shape, undefined, device)]);
    },
  );

  const numberCases: [string, (x: Tensor) => Tensor, Values][] = [
    ['x + 2.5', (x) => x.add(2.5), 'real'],
    ['1.5 - x', (x) => torch.sub(1.5, x), 'real'],
    ['x · -1.5', (x) => x.mul(-1.5), 'real'],
    ['x / 3', (x) => x.div(3), 'real'],
    ['2 / x', (x) => torch.div(2, x), 'nonzero'],
    ['x ** 2.5', (x) => x.pow(2.5), 'positive'],
    ['x ** 3', (x) => x.pow(3), 'real'],
    ['x ** -2', (x) => x.pow(-2), 'nonzero'],
    ['1.7 ** x', (x) => torch.pow(1.7, x), 'real'],
  ];
  for (const [name, f, kind] of numberCases) {
    it.prop([leafArb(smallShape(), kind)], runs)(`${name} (a number operand)`, (a) => {
      check(f, [a.make(device)]);
    });
  }

  const unaryCases: [string, (x: Tensor) => Tensor, Values][] = [
    ['neg', (x) => x.neg(), 'real'],
    ['abs', (x) => x.abs(), 'nonzero'],
    ['exp', (x) => x.exp(), 'real'],
    ['log', (x) => x.log(), 'positive'],
    ['sqrt', (x) => x.sqrt(), 'positive'],
    ['rsqrt', (x) => x.rsqrt(), 'positive'],
    ['sin', (x) => x.sin(), 'real'],
    ['cos', (x) => x.cos(), 'real'],
    ['tanh', (x) => x.tanh(), 'real'],
    ['sigmoid', (x) => x.sigmoid(), 'real'],
    ['relu', (x) => x.relu(), 'nonzero'],
    ['clamp(-0.5, 0.5)', (x) => x.clamp(-0.5, 0.5), 'offGrid'],
    ['clamp(min)', (x) => x.clamp(0.5), 'offGrid'],
    ['clamp(null, max)', (x) => x.clamp(null, -0.25), 'offGrid'],
    ['sign (gradient 0)', (x) => x.sign().add(x), 'nonzero'],
  ];
  for (const [name, f, kind] of unaryCases) {
    it.prop([leafArb(smallShape({ maxDims: 4 }), kind)], runs)(`${name}, any layout`, (a) => {
      check(f, [a.make(device)]);
    });
  }

  it.prop(
    [
      smallShape().chain((out) =>
        fc.tuple(leafArb(broadcastableTo(out), 'offGrid'), leafArb(broadcastableTo(out), 'withZeros'), leafArb(broadcastableTo(out), 'withZeros')),
      ),
    ],
    runs,
  )('clamp with tensor min and max (min > max included)', ([x, lo, hi]) => {
    // shift the max off the min's grid: lo = k/4, hi = k/4 + 0.2, so they never tie with each other or x
    const upper = leaf(
      hi.values.map((v) => v + 0.2),
      hi.shape,
      hi.layout,
      device,
    );
    check((x, lo, hi) => x.clamp(lo, hi), [x.make(device), lo.make(device), upper]);
  });

  it.prop(
    [
      smallShape().chain((out) =>
        fc.tuple(
          broadcastableTo(out).chain((s) => fc.tuple(fc.constant(s), fc.array(fc.boolean(), { minLength: numelOf(s), maxLength: numelOf(s) }))),
          leafArb(broadcastableTo(out)),
          leafArb(broadcastableTo(out)),
        ),
      ),
    ],
    runs,
  )('where(cond, a, b), all three broadcasting', ([[condShape, condValues], a, b]) => {
    const cond = bools(condValues, condShape, device);
    check((a, b) => torch.where(cond, a, b), [a.make(device), b.make(device)]);
    check((a) => torch.where(cond, a, 0.5), [a.make(device)]);
    check((b) => torch.where(cond, -1, b), [b.make(device)]);
  });
});

describe.each(gradDevices)('gradcheck: reductions on %s', (device) => {
  beforeAll(() => torch.init(device));

  /** A leaf, a set of its dims (some negative) and keepdim. */
  const reductionArb = (kind: Values, shape = smallShape()) =>
    leafArb(shape, kind).chain((a) => fc.tuple(fc.constant(a), dimsArb(a.shape.length), fc.boolean()));
  /** The dims a reduction over `dims` covers (all of them when the list is empty). */
  const covered = (a: LeafCase, dims: number[]) => (dims.length ? dims.map((d) => (d + a.shape.length) % a.shape.length) : a.shape.map((_, d) => d));
  const reducedCount = (a: LeafCase, dims: number[]) => numelOf(covered(a, dims).map((d) => a.shape[d]));

  it.prop([reductionArb('real')], runs)('sum over dims, keepdim, and in full', ([a, dims, keepdim]) => {
    check((x) => x.sum(dims, keepdim), [a.make(device)]);
    check((x) => x.sum(), [a.make(device)]);
  });

  it.prop([reductionArb('real')], runs)('mean over dims, keepdim, and in full', ([a, dims, keepdim]) => {
    check((x) => x.mean(dims, keepdim), [a.make(device)]);
    check((x) => x.mean(), [a.make(device)]);
  });

  it.prop([leafArb(smallShape()).chain((a) => fc.tuple(fc.constant(a), a.shape.length ? dimArb(a.shape.length) : fc.constant(0), fc.boolean(), fc.boolean()))], runs)(
    'prod along a dim and in full, with and without zeros',
    ([a, dim, keepdim, zeros]) => {
      // rounded to quarters in [-1, 1], some values are exact zeros: prod's special cases
      const x = zeros ? leaf(a.values.map((v) => Math.round(v * 2) / 4), a.shape, a.layout, device) : a.make(device);
      check((x) => x.prod(dim, keepdim), [x]);
      check((x) => x.prod(), [x]);
    },
  );

  it.prop([leafArb(smallShape({ minDims: 1, maxDims: 2, maxSize: 4 }), 'withZeros')], runs)('prod with one and with several zeros in a row', (a) => {
    // make row 0 hold exactly one zero and the last row two (where there is room)
    const values = a.values.map((v) => (v === 0 ? 0.5 : v));
    const rowLength = a.shape[a.shape.length - 1];
    values[0] = 0;
    if (rowLength >= 2) {
      values[values.length - 1] = 0;
      values[values.length - 2] = 0;
    }
    const x = leaf(values, a.shape, a.layout, device);
    check((x) => x.prod(-1), [x]);
    check((x) => x.prod(), [x]);
  });

  it.prop([reductionArb('real'), fc.constantFrom(0, 1, 2)], runs)('var over dims with a correction', ([a, dims, keepdim], correction) => {
    fc.pre(reducedCount(a, dims) > correction);
    check((x) => x.var(dims, keepdim, { correction }), [a.make(device)]);
    if (a.values.length > 1) check((x) => x.var(), [a.make(device)]);
  });

  it.prop([reductionArb('distinct'), fc.boolean()], runs)('std over dims (values distinct, so std > 0)', ([a, dims, keepdim], unbiased) => {
    fc.pre(reducedCount(a, dims) >= 2);
    check((x) => x.std(dims, keepdim, { unbiased }), [a.make(device)]);
    check((x) => x.std(), [a.make(device)]);
  });

  it.prop([reductionArb('distinct')], runs)('amax and amin over dims (no ties)', ([a, dims, keepdim]) => {
    check((x) => x.amax(dims, keepdim), [a.make(device)]);
    check((x) => x.amin(dims, keepdim), [a.make(device)]);
  });

  it.prop([leafArb(smallShape(), 'distinct')], runs)('max() and min() of everything (no ties)', (a) => {
    check((x) => x.max(), [a.make(device)]);
    check((x) => x.min(), [a.make(device)]);
  });

  it.prop([leafArb(smallShape({ minDims: 1 }), 'distinct').chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length), fc.boolean()))], runs)(
    'max(dim) and min(dim) values (no ties)',
    ([a, dim, keepdim]) => {
      check((x) => x.max(dim, keepdim).values, [a.make(device)]);
      check((x) => x.min(dim, keepdim).values, [a.make(device)]);
    },
  );

  it.prop([leafArb(smallShape({ minDims: 1 }), 'real').chain((a) => fc.tuple(fc.constant(a), dimsArb(a.shape.length).filter((d) => d.length > 0), fc.boolean()))], runs)(
    'logsumexp over dims',
    ([a, dims, keepdim]) => {
      check((x) => x.logsumexp(dims, keepdim), [a.make(device)]);
    },
  );

  it.prop([leafArb(smallShape({ minDims: 1, maxDims: 4 }), 'real').chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length)))], runs)(
    'softmax and logSoftmax along a dim',
    ([a, dim]) => {
      check((x) => x.softmax(dim), [a.make(device)]);
      check((x) => x.logSoftmax(dim), [a.make(device)]);
    },
  );
});

describe.each(gradDevices)('gradcheck: views on %s', (device) => {
  beforeAll(() => torch.init(device));

  /** Shapes with the same number of elements as `shape`. */
  const reshapes = (shape: number[]) => {
    const n = numelOf(shape);
    return fc.constantFrom([-1], [n], [1, n, 1], [...shape].reverse(), [...shape, 1], [n, -1]);
  };

  it.prop([leafArb(smallShape({ maxDims: 4 })).chain((a) => fc.tuple(fc.constant(a), reshapes(a.shape)))], runs)('reshape (copying when the layout needs it)', ([a, shape]) => {
    check((x) => x.reshape(shape), [a.make(device)]);
  });

  it.prop([leafArb(smallShape({ maxDims: 4 }), 'real', true).chain((a) => fc.tuple(fc.constant(a), reshapes(a.shape)))], runs)('view of a contiguous leaf', ([a, shape]) => {
    check((x) => x.view(shape), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 4 })).chain((a) =>
        fc.tuple(fc.constant(a), dimArb(a.shape.length), dimArb(a.shape.length)).map(([a, s, e]) => {
          const n = a.shape.length;
          const [start, end] = (s + n) % n <= (e + n) % n ? [s, e] : [e, s];
          return [a, start, end] as const;
        }),
      ),
    ],
    runs,
  )('flatten(start, end)', ([a, start, end]) => {
    check((x) => x.flatten(start, end), [a.make(device)]);
    check((x) => x.flatten(), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxSize: 4 })).chain((a) =>
        dimArb(a.shape.length).chain((dim) => {
          const s = a.shape[(dim + a.shape.length) % a.shape.length];
          const options: number[][] = [[s], [1, s], [s, -1], [-1, 1]];
          if (s === 4) options.push([2, 2], [2, -1]);
          return fc.tuple(fc.constant(a), fc.constant(dim), fc.constantFrom(...options));
        }),
      ),
    ],
    runs,
  )('unflatten(dim, sizes)', ([a, dim, sizes]) => {
    check((x) => x.unflatten(dim, sizes), [a.make(device)]);
  });

  it.prop([leafArb(smallShape({ maxDims: 4, maxSize: 2 })).chain((a) => fc.tuple(fc.constant(a), a.shape.length ? dimArb(a.shape.length) : fc.constant(0), dimsArb(a.shape.length)))], runs)(
    'squeeze() / squeeze(dim) / squeeze(dims) and unsqueeze(dim)',
    ([a, dim, dims]) => {
      check((x) => x.squeeze(), [a.make(device)]);
      if (a.shape.length) check((x) => x.squeeze(dim), [a.make(device)]);
      check((x) => x.squeeze(dims), [a.make(device)]);
      const n = a.shape.length + 1;
      for (const d of [0, -1, Math.floor(n / 2) - n]) check((x) => x.unsqueeze(d), [a.make(device)]);
    },
  );

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 4 })).chain((a) => {
        const dims = a.shape.map((_, d) => d);
        return fc.tuple(fc.constant(a), fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length }), dimArb(dims.length), dimArb(dims.length));
      }),
    ],
    runs,
  )('permute, transpose and T', ([a, perm, d0, d1]) => {
    check((x) => x.permute(perm), [a.make(device)]);
    check((x) => x.permute(...perm.map((d) => d - perm.length)), [a.make(device)]);
    check((x) => x.transpose(d0, d1), [a.make(device)]);
    check((x) => x.T, [a.make(device)]);
  });

  it.prop([leafArb(smallShape({ maxDims: 2 }))], runs)('t() of 0-, 1- and 2-D tensors', (a) => {
    check((x) => x.t(), [a.make(device)]);
  });

  it.prop([smallShape({ maxDims: 4 }).chain((out) => fc.tuple(fc.constant(out), leafArb(broadcastableTo(out))))], runs)('expand (new leading dims and size-1 dims)', ([out, a]) => {
    check((x) => x.expand(out), [a.make(device)]);
    const lead = out.length - a.shape.length;
    check((x) => x.expand(out.map((s, i) => (i >= lead && a.shape[i - lead] === s ? -1 : s))), [a.make(device)]);
    check((x) => x.expandAs(torch.zeros(out, { dtype: 'float64', device })), [a.make(device)]);
  });

  it.prop([leafArb(smallShape({ maxDims: 4 }))], runs)('contiguous and clone', (a) => {
    check((x) => x.contiguous(), [a.make(device)]);
    check((x) => x.clone(), [a.make(device)]);
    if (a.shape.length) check((x) => x.transpose(0, -1).contiguous().mul(x.transpose(0, -1)), [a.make(device)]);
  });
});

describe.each(gradDevices)('gradcheck: indexing on %s', (device) => {
  beforeAll(() => torch.init(device));

  /** One basic index item for a dim of size `s`: an integer (maybe negative), a slice string, or ':'. */
  const basicItem = (s: number): fc.Arbitrary<torch.IndexItem> =>
    fc.oneof(
      fc.integer({ min: -s, max: s - 1 }),
      fc.constant(':'),
      fc
        .tuple(fc.option(fc.integer({ min: -s - 1, max: s + 1 })), fc.option(fc.integer({ min: -s - 1, max: s + 1 })), fc.option(fc.integer({ min: 1, max: 3 })))
        .map(([start, stop, step]) => `${start ?? ''}:${stop ?? ''}${step === null ? '' : `:${step}`}`),
    );

  /** Basic items for a shape, with trailing ones maybe folded into '...' and `null`s inserted. */
  const basicItems = (shape: number[]) =>
    fc
      .tuple(fc.tuple(...shape.map(basicItem)), fc.integer({ min: 0, max: shape.length }), fc.boolean(), fc.array(fc.integer({ min: 0, max: shape.length }), { maxLength: 2 }))
      .map(([items, keep, ellipsis, nulls]) => {
        let out: torch.IndexItem[] = ellipsis ? [...items.slice(0, keep), '...'] : items.slice(0, keep);
        if (ellipsis && keep > 0 && keep === shape.length) out = ['...', ...items.slice(1)]; // an ellipsis in front as well
        for (const at of nulls) out.splice(Math.min(at, out.length), 0, null);
        return out;
      });

  it.prop([leafArb(smallShape({ minDims: 1, maxDims: 3, maxSize: 4 })).chain((a) => fc.tuple(fc.constant(a), basicItems(a.shape)))], { numRuns: 30 })(
    'index with integers, slices, null and ellipsis',
    ([a, items]) => {
      check((x) => x.index(...items), [a.make(device)]);
    },
  );

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 3 })).chain((a) =>
        fc.tuple(
          fc.constant(a),
          smallShape({ maxDims: 2 }).chain((s) => fc.tuple(fc.constant(s), intsArb(numelOf(s), -a.shape[0], a.shape[0] - 1))),
        ),
      ),
    ],
    runs,
  )('index with an int tensor (repeats and negative indices accumulate)', ([a, [shape, values]]) => {
    const idx = ints(values, shape, device);
    check((x) => x.index(idx), [a.make(device)]);
    check((x) => x.transpose(0, -1).index('...', idx), [a.make(device)]); // the indexed dim last, non-contiguous
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 3, maxDims: 3 })).chain((a) =>
        fc.tuple(fc.constant(a), smallShape({ maxDims: 2 }).chain((s) => fc.tuple(fc.constant(s), intsArb(numelOf(s), 0, 2), intsArb(numelOf(s), 0, 2)))),
      ),
    ],
    runs,
  )('index with two int tensors, on adjacent and on separated dims', ([a, [shape, i, j]]) => {
    const clampTo = (values: number[], d: number) => ints(values.map((v) => v % a.shape[d]), shape, device);
    check((x) => x.index(clampTo(i, 0), clampTo(j, 1)), [a.make(device)]);
    check((x) => x.index(':', clampTo(i, 1), clampTo(j, 2)), [a.make(device)]);
    check((x) => x.index(clampTo(i, 0), ':', clampTo(j, 2)), [a.make(device)]);
    check((x) => x.index(clampTo(i, 0), 1 % a.shape[1]), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 3 })).chain((a) =>
        fc.integer({ min: 1, max: a.shape.length }).chain((k) => {
          const maskShape = a.shape.slice(0, k);
          const last = a.shape[a.shape.length - 1];
          return fc.tuple(
            fc.constant(a),
            fc.constant(maskShape),
            fc.array(fc.boolean(), { minLength: numelOf(maskShape), maxLength: numelOf(maskShape) }),
            fc.array(fc.boolean(), { minLength: last, maxLength: last }),
          );
        }),
      ),
    ],
    runs,
  )('index with a bool mask over leading dims, and over the last dim after an ellipsis', ([a, maskShape, values, lastValues]) => {
    const mask = bools(values, maskShape, device);
    check((x) => x.index(mask), [a.make(device)]);
    const last = bools(lastValues, [lastValues.length], device);
    check((x) => x.index('...', last), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 3, maxSize: 4 })).chain((a) =>
        fc.tuple(
          fc.constant(a),
          fc.shuffledSubarray(
            Array.from({ length: a.shape[0] }, (_, i) => i),
            { minLength: 1 },
          ),
          fc.boolean(),
          fc.array(fc.integer({ min: 0, max: a.shape[0] - 1 }), { minLength: 1, maxLength: 5 }),
        ),
      ),
    ],
    runs,
  )('out-of-place indexPut, with and without accumulate', ([a, unique, negative, repeated]) => {
    // without accumulate the written positions must be distinct (a repeated write has no defined winner)
    const idx = ints(
      unique.map((i) => (negative ? i - a.shape[0] : i)),
      [unique.length],
      device,
    );
    const rest = a.shape.slice(1);
    const value = leaf(Array.from({ length: unique.length * numelOf(rest) }, (_, i) => Math.sin(i + 1)), [unique.length, ...rest], undefined, device);
    check((x, v) => torch.indexPut(x, [idx], v), [a.make(device), value]);
    const row = leaf(Array.from({ length: numelOf(rest) }, (_, i) => Math.cos(i)), rest, undefined, device); // broadcast over the picked rows
    check((x, v) => torch.indexPut(x, [idx], v), [a.make(device), row]);
    const rep = ints(repeated, [repeated.length], device);
    const many = leaf(Array.from({ length: repeated.length * numelOf(rest) }, (_, i) => Math.cos(i + 2)), [repeated.length, ...rest], undefined, device);
    check((x, v) => torch.indexPut(x, [rep], v, true), [a.make(device), many]);
    // basic items and a number value
    check((x) => torch.indexPut(x, ['...', 0], 2.5), [a.make(device)]);
  });

  /** A leaf, a dim, and an int index of the leaf's rank whose sizes fit it (any size along `dim`). */
  const gatherArb = leafArb(smallShape({ minDims: 1, maxDims: 3 })).chain((a) =>
    dimArb(a.shape.length).chain((dim) => {
      const d = (dim + a.shape.length) % a.shape.length;
      return fc
        .tuple(...a.shape.map((s, i) => fc.integer({ min: 1, max: i === d ? 4 : s })))
        .chain((shape) => fc.tuple(fc.constant(a), fc.constant(dim), fc.constant(shape), intsArb(numelOf(shape), 0, a.shape[d] - 1)));
    }),
  );

  it.prop([gatherArb], runs)('gather', ([a, dim, shape, values]) => {
    check((x) => x.gather(dim, ints(values, shape, device)), [a.make(device)]);
  });

  it.prop([gatherArb], runs)('scatterAdd (repeated indices add up) into x and from src', ([a, dim, shape, values]) => {
    const index = ints(values, shape, device);
    const src = leaf(
      Array.from({ length: numelOf(shape) }, (_, i) => Math.sin(i)),
      shape,
      undefined,
      device,
    );
    check((x, s) => x.scatterAdd(dim, index, s), [a.make(device), src]);
    // a src larger than the index: only the part the index covers is read
    const big = leaf(Array.from({ length: numelOf(shape.map((s) => s + 1)) }, (_, i) => Math.cos(i)), shape.map((s) => s + 1), undefined, device);
    check((x, s) => x.scatterAdd(dim, index, s), [a.make(device), big]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxDims: 3 })).chain((a) =>
        dimArb(a.shape.length).chain((dim) => {
          const d = (dim + a.shape.length) % a.shape.length;
          const size = a.shape[d];
          // along `dim`, each line of the index holds distinct positions (so every write has one source)
          return fc.tuple(...a.shape.map((s, i) => fc.integer({ min: 1, max: s }))).chain((shape) => {
            const lines = numelOf(shape) / shape[d];
            const line = fc.shuffledSubarray(
              Array.from({ length: size }, (_, i) => i),
              { minLength: shape[d], maxLength: shape[d] },
            );
            return fc.tuple(fc.constant(a), fc.constant(dim), fc.constant(shape), fc.array(line, { minLength: lines, maxLength: lines }));
          });
        }),
      ),
    ],
    runs,
  )('scatter with distinct targets, from a tensor and from a number', ([a, dim, shape, lines]) => {
    const d = (dim + a.shape.length) % a.shape.length;
    // lay the lines out along dim d: element (…, k at d, …) of line L is lines[L][k]
    const values = new Array<number>(numelOf(shape));
    const inner = numelOf(shape.slice(d + 1));
    for (let j = 0; j < values.length; j++) {
      const k = Math.floor(j / inner) % shape[d];
      const line = Math.floor(j / (inner * shape[d])) * inner + (j % inner);
      values[j] = lines[line][k];
    }
    const index = ints(values, shape, device);
    const src = leaf(Array.from({ length: numelOf(shape) }, (_, i) => Math.sin(i + 0.5)), shape, undefined, device);
    check((x, s) => x.scatter(dim, index, s), [a.make(device), src]);
    check((x) => x.scatter(dim, index, 1.5), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ maxDims: 3 })).chain((a) =>
        fc.tuple(fc.constant(a), a.shape.length ? dimArb(a.shape.length) : fc.constant(0), fc.array(fc.nat(), { maxLength: 5 })),
      ),
    ],
    runs,
  )('indexSelect (with repeats)', ([a, dim, raw]) => {
    const size = a.shape.length ? a.shape[(dim + a.shape.length) % a.shape.length] : 1;
    const index = ints(
      raw.map((v) => v % size),
      [raw.length],
      device,
    );
    check((x) => x.indexSelect(dim, index), [a.make(device)]);
  });

  it.prop(
    [
      smallShape().chain((shape) =>
        fc.tuple(
          leafArb(shape),
          broadcastableTo(shape).chain((s) => fc.tuple(fc.constant(s), fc.array(fc.boolean(), { minLength: numelOf(s), maxLength: numelOf(s) }))),
        ),
      ),
    ],
    runs,
  )('maskedFill with a number and with a 0-d tensor value', ([a, [maskShape, values]]) => {
    const mask = bools(values, maskShape, device);
    check((x) => x.maskedFill(mask, -3), [a.make(device)]);
    check((x, v) => x.maskedFill(mask, v), [a.make(device), leaf([0.7], [], undefined, device)]);
  });
});

describe.each(gradDevices)('gradcheck: joining and splitting on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop(
    [
      smallShape({ minDims: 1 }).chain((shape) =>
        dimArb(shape.length).chain((dim) => {
          const d = (dim + shape.length) % shape.length;
          const piece = fc.integer({ min: 1, max: 3 }).chain((n) => leafArb(shape.map((s, i) => (i === d ? n : s))));
          return fc.tuple(fc.constant(dim), fc.array(piece, { minLength: 1, maxLength: 3 }));
        }),
      ),
    ],
    runs,
  )('cat along a dim', ([dim, pieces]) => {
    check((...xs) => torch.cat(xs, dim), pieces.map((p) => p.make(device)));
  });

  it.prop(
    [
      smallShape().chain((shape) =>
        fc.tuple(fc.integer({ min: -shape.length - 1, max: shape.length }), fc.array(leafArb(shape), { minLength: 1, maxLength: 3 })),
      ),
    ],
    runs,
  )('stack along a new dim', ([dim, pieces]) => {
    check((...xs) => torch.stack(xs, dim), pieces.map((p) => p.make(device)));
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxSize: 4 })).chain((a) =>
        dimArb(a.shape.length).chain((dim) => {
          const size = a.shape[(dim + a.shape.length) % a.shape.length];
          const sections = fc.array(fc.integer({ min: 0, max: size }), { minLength: 1, maxLength: 3 }).map((cuts) => {
            const sorted = [0, ...[...cuts].sort((x, y) => x - y), size];
            return sorted.slice(1).map((c, i) => c - sorted[i]);
          });
          return fc.tuple(fc.constant(a), fc.constant(dim), fc.integer({ min: 1, max: size }), sections, fc.integer({ min: 1, max: 4 }));
        }),
      ),
    ],
    runs,
  )('split (by size and by sections), chunk and unbind: every piece checked', ([a, dim, size, sections, chunks]) => {
    check((x) => x.split(size, dim), [a.make(device)]);
    check((x) => x.split(sections, dim), [a.make(device)]);
    check((x) => x.chunk(chunks, dim), [a.make(device)]);
    check((x) => x.unbind(dim), [a.make(device)]);
    // only some pieces used: the others' stretches get zero gradient
    check((x) => x.unbind(dim)[0].mul(2), [a.make(device)]);
  });

  it.prop(
    [
      leafArb(smallShape({ minDims: 1, maxSize: 4 })).chain((a) =>
        dimArb(a.shape.length).chain((dim) => {
          const size = a.shape[(dim + a.shape.length) % a.shape.length];
          return fc.integer({ min: 0, max: size }).chain((start) => fc.tuple(fc.constant(a), fc.constant(dim), fc.constantFrom(start, start - size), fc.integer({ min: 0, max: size - start })));
        }),
      ),
    ],
    runs,
  )('narrow(dim, start, length)', ([a, dim, start, length]) => {
    check((x) => x.narrow(dim, start, length), [a.make(device)]);
  });
});

describe.each(gradDevices)('gradcheck: matrix products on %s', (device) => {
  beforeAll(() => torch.init(device));

  const size = fc.integer({ min: 1, max: 3 });

  /** [left shape, right shape] for every form matmul takes. */
  const matmulShapes = fc.tuple(size, size, size, size, size).chain(([m, k, n, b, c]) =>
    fc.constantFrom<[string, number[], number[]]>(
      ['1-D · 1-D', [k], [k]],
      ['2-D · 1-D', [m, k], [k]],
      ['1-D · 2-D', [k], [k, n]],
      ['2-D · 2-D', [m, k], [k, n]],
      ['3-D · 3-D', [b, m, k], [b, k, n]],
      ['3-D · 2-D', [b, m, k], [k, n]],
      ['2-D · 3-D', [m, k], [b, k, n]],
      ['1-D · 3-D', [k], [b, k, n]],
      ['3-D · 1-D', [b, m, k], [k]],
      ['broadcast batch', [b, 1, m, k], [c, k, n]],
      ['broadcast batch, other side', [1, m, k], [c, b, k, n]],
    ),
  );

  it.prop([matmulShapes.chain(([form, sa, sb]) => fc.tuple(fc.constant(form), leafArb(sa), leafArb(sb)))], { numRuns: 30 })('matmul in every form', ([, a, b]) => {
    check((a, b) => a.matmul(b), [a.make(device), b.make(device)]);
  });

  it.prop([fc.tuple(size, size, size).chain(([m, k, n]) => fc.tuple(leafArb([m, k]), leafArb([k, n])))], runs)('mm', ([a, b]) => {
    check((a, b) => a.mm(b), [a.make(device), b.make(device)]);
  });

  it.prop([fc.tuple(size, size, size, size).chain(([b, m, k, n]) => fc.tuple(leafArb([b, m, k]), leafArb([b, k, n])))], runs)('bmm', ([a, b]) => {
    check((a, b) => a.bmm(b), [a.make(device), b.make(device)]);
  });

  it.prop([fc.tuple(size, size).chain(([n, m]) => fc.tuple(leafArb([n]), leafArb([n]), leafArb([m])))], runs)('dot and outer', ([a, b, c]) => {
    check((a, b) => a.dot(b), [a.make(device), b.make(device)]);
    check((a, c) => a.outer(c), [a.make(device), c.make(device)]);
  });

  it.prop([fc.tuple(size, size, size).chain(([m, k, n]) => fc.tuple(leafArb([m, k]), leafArb([k, n])))], runs)('a product with one side not requiring grad', ([a, b]) => {
    const constant = b.make(device).detach();
    check((a) => a.matmul(constant), [a.make(device)]);
    check((a) => constant.t().matmul(a.t()), [a.make(device)]);
  });
});

describe.each(gradDevices)('gradcheck: double backward on %s', (device) => {
  beforeAll(() => torch.init(device));

  /** The gradients of `f` (summed to a scalar) with respect to its inputs, themselves differentiable. */
  const gradOf =
    (f: (...xs: Tensor[]) => Tensor) =>
    (...xs: Tensor[]): Tensor[] =>
      torch.autograd.grad(f(...xs).sum(), xs, { createGraph: true }).map((g) => g!);

  const cases: [string, (...xs: Tensor[]) => Tensor, Values[]][] = [
    ['x · y · x', (x, y) => x.mul(y).mul(x), ['real', 'real']],
    ['x / y', (x, y) => x.div(y), ['real', 'nonzero']],
    ['x ** 3', (x) => x.pow(3), ['real']],
    // at y = 0 exactly, PyTorch's pow_backward masks x's gradient to 0, so ∂²/∂x∂y is 0 there (in PyTorch too)
    ['x ** y', (x, y) => x.pow(y), ['positive', 'nonzero']],
    ['exp · sin', (x) => x.exp().mul(x.sin()), ['real']],
    ['cos', (x) => x.cos(), ['real']],
    ['tanh', (x) => x.tanh(), ['real']],
    ['sigmoid', (x) => x.sigmoid(), ['real']],
    ['log', (x) => x.log(), ['positive']],
    ['sqrt', (x) => x.sqrt(), ['positive']],
    ['rsqrt', (x) => x.rsqrt(), ['positive']],
    ['relu² (relu′′ = 0 away from 0)', (x) => x.relu().mul(x), ['nonzero']],
    ['abs · x', (x) => x.abs().mul(x), ['nonzero']],
  ];
  for (const [name, f, kinds] of cases) {
    it.prop([smallShape().chain((shape) => fc.tuple(...kinds.map((k) => leafArb(shape, k))))], { numRuns: 10 })(name, (leaves) => {
      check(gradOf(f), leaves.map((l) => l.make(device)));
    });
  }

  it.prop([leafArb(smallShape({ minDims: 1 })).chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length), leafArb(a.shape)))], { numRuns: 10 })(
    'softmax, logSoftmax, logsumexp (weighted, so the second derivative is not trivial)',
    ([a, dim, w]) => {
      const weights = w.make(device).detach();
      check(gradOf((x) => x.softmax(dim).mul(weights)), [a.make(device)]);
      check(gradOf((x) => x.logSoftmax(dim).mul(weights)), [a.make(device)]);
      check(gradOf((x) => x.logsumexp(dim).pow(2)), [a.make(device)]);
    },
  );

  it.prop([leafArb(smallShape({ minDims: 1 }), 'distinct').chain((a) => fc.tuple(fc.constant(a), dimsArb(a.shape.length)))], { numRuns: 10 })('var, std and mean', ([a, dims]) => {
    const count = dims.length ? numelOf(dims.map((d) => a.shape[(d + a.shape.length) % a.shape.length])) : numelOf(a.shape);
    fc.pre(count >= 2);
    check(gradOf((x) => x.var(dims).mul(x.mean())), [a.make(device)]);
    check(gradOf((x) => x.std(dims)), [a.make(device)]);
  });

  it.prop([fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([m, k, n]) => fc.tuple(leafArb([m, k]), leafArb([k, n])))], {
    numRuns: 10,
  })('matmul followed by tanh', ([a, b]) => {
    check(gradOf((a, b) => a.matmul(b).tanh()), [a.make(device), b.make(device)]);
  });

  it.prop([leafArb(smallShape({ minDims: 2, maxDims: 2 }), 'distinct')], { numRuns: 10 })('through views, indexing, max and an in-place op', (a) => {
    check(
      gradOf((x) => {
        const y = x.t().mul(x.t()); // a non-leaf, modified in place below
        y.mul_(x.t().sin());
        return y.index(0).sum().add(x.amax(0).pow(2).sum());
      }),
      [a.make(device)],
    );
  });

  it('third derivatives: gradcheck of a function that returns second derivatives', () => {
    const x = leaf([0.3, -1.2, 2], [3], undefined, device);
    const second = (x: Tensor) => {
      const [d1] = torch.autograd.grad(x.sin().mul(x).sum(), x, { createGraph: true });
      return torch.autograd.grad(d1!.sum(), x, { createGraph: true })[0]!;
    };
    check(second, [x]);
  });
});

describe.each(gradDevices)('gradcheck itself on %s', (device) => {
  beforeAll(() => torch.init(device));
  const x64 = () => leaf([0.5, -1.5, 2], [3], undefined, device);

  vit('returns true for a correct gradient', () => {
    expect(torch.autograd.gradcheck((x) => x.mul(x).sum(), [x64()])).toBe(true);
    expect(torch.autograd.gradcheck((x) => [x.exp(), x.sin().sum()], [x64()])).toBe(true); // several outputs
  });

  vit('throws on a wrong gradient, naming the input, the element and both values', () => {
    // d/dx (x · stop_gradient(x)) is x analytically (the detached factor is a constant) but 2x numerically
    expect(() => torch.autograd.gradcheck((x) => x.mul(x.detach()), [x64()])).toThrow(
      /^Jacobian mismatch for output 0 with respect to input 0 \(shape \[3\]\), element 0:\nnumerical: (1|1\.0000\d*|0\.9999\d*)\nanalytical: 0\.5$/,
    );
    // a wrong gradient for one input of two
    const y = leaf([1, 2, 3], [3], undefined, device);
    expect(() => torch.autograd.gradcheck((x, y) => x.add(y.mul(y.detach())), [x64(), y])).toThrow(/with respect to input 1/);
  });

  vit('catches a gradient that is wrong for a single element only', () => {
    // the hook zeroes the gradient of element 2; the forward is the identity
    const f = (x: Tensor) => {
      const y = x.mul(1);
      if (y.requiresGrad) y.registerHook((g) => g.mul(torch.tensor([1, 1, 0], { dtype: 'float64', device })));
      return y.pow(2);
    };
    expect(() => torch.autograd.gradcheck(f, [x64()])).toThrow(/element 2/);
  });

  vit('honours its tolerances', () => {
    const wrong = (x: Tensor) => x.mul(x.detach());
    expect(torch.autograd.gradcheck(wrong, [x64()], { atol: 10 })).toBe(true);
    expect(() => torch.autograd.gradcheck((x) => x.pow(3), [x64()], { eps: 1e-2, atol: 0, rtol: 1e-7 })).toThrow(/Jacobian mismatch/);
  });

  vit('rejects float32 inputs with a clear error', () => {
    const x = torch.tensor([1, 2], { dtype: 'float32', device, requiresGrad: true });
    expect(() => torch.autograd.gradcheck((x) => x.mul(2), [x])).toThrow(TypeError);
    expect(() => torch.autograd.gradcheck((x) => x.mul(2), [x])).toThrow(/float32.*float64/);
  });

  vit('needs an input that requires grad, and passes the others through unchanged', () => {
    expect(() => torch.autograd.gradcheck((x) => x.mul(2), [leaf([1], [1], undefined, device).detach()])).toThrow(/at least one input tensor to require gradient/);
    const index = torch.tensor([2, 0, 2], { device });
    expect(torch.autograd.gradcheck((x, i) => x.index(i).pow(2), [x64(), index])).toBe(true);
  });

  vit('works on non-contiguous leaves', () => {
    const x = leaf([1, 2, 3, 4, 5, 6], [2, 3], { perm: [1, 0], step: 2, offset: 1 }, device);
    expect(x.isContiguous()).toBe(false);
    expect(x.isLeaf).toBe(true);
    expect(Array.from(x.contiguous().toTypedArray())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(torch.autograd.gradcheck((x) => x.exp().sum(1), [x])).toBe(true);
  });
});
