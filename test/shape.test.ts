/** Shape arithmetic: sizes, strides, dim wrapping, broadcasting and shape parsing (src/shape.ts). */
import { describe, expect, it as vit } from 'vitest';
import { it } from '@fast-check/vitest';
import { broadcastShapes, broadcastsTo, contiguousStrides, fmtShape, isContiguousLayout, normalizeDim, numelOf, parseShape } from '../src/shape.js';
import { broadcastPairArb, refBroadcastShape, shapeArb } from './helpers.js';

describe('numelOf', () => {
  vit('is the product of the sizes, 1 for a 0-d shape and 0 with an empty dim', () => {
    expect(numelOf([])).toBe(1);
    expect(numelOf([2, 3, 4])).toBe(24);
    expect(numelOf([2, 0, 4])).toBe(0);
  });
});

describe('contiguousStrides', () => {
  vit('gives row-major strides like PyTorch', () => {
    expect(contiguousStrides([])).toEqual([]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    // PyTorch treats a size-0 dim as size 1 when computing strides: torch.zeros(2, 0, 3).stride() == (3, 3, 1)
    expect(contiguousStrides([2, 0, 3])).toEqual([3, 3, 1]);
  });

  it.prop([shapeArb({ minSize: 1 })], { numRuns: 50 })('are recognised as contiguous', (shape) => {
    expect(isContiguousLayout(shape, contiguousStrides(shape))).toBe(true);
  });
});

describe('isContiguousLayout', () => {
  vit('rejects transposed and strided layouts', () => {
    expect(isContiguousLayout([2, 3], [1, 2])).toBe(false);
    expect(isContiguousLayout([2, 3], [6, 2])).toBe(false);
  });

  vit('ignores the stride of a size-1 dim, as PyTorch does', () => {
    expect(isContiguousLayout([1, 3], [99, 1])).toBe(true);
    expect(isContiguousLayout([3, 1], [1, 0])).toBe(true);
  });

  vit('calls every empty tensor contiguous, as PyTorch does', () => {
    // torch.zeros(1, 3).expand(0, 3).is_contiguous() is True
    expect(isContiguousLayout([0, 3], [0, 1])).toBe(true);
  });
});

describe('fmtShape', () => {
  vit('prints shapes like PyTorch messages', () => {
    expect(fmtShape([2, 3])).toBe('[2, 3]');
    expect(fmtShape([])).toBe('[]');
  });
});

describe('normalizeDim', () => {
  vit('wraps negative dims', () => {
    expect(normalizeDim(-1, 3)).toBe(2);
    expect(normalizeDim(-3, 3)).toBe(0);
    expect(normalizeDim(1, 3)).toBe(1);
  });

  vit('accepts -1 and 0 for a 0-d tensor', () => {
    expect(normalizeDim(0, 0)).toBe(0);
    expect(normalizeDim(-1, 0)).toBe(0);
  });

  vit('names the valid range when out of range', () => {
    expect(() => normalizeDim(3, 3)).toThrow(RangeError);
    expect(() => normalizeDim(3, 3)).toThrow('Dimension out of range (expected to be in range of [-3, 2], but got 3)');
    expect(() => normalizeDim(-4, 3)).toThrow('Dimension out of range (expected to be in range of [-3, 2], but got -4)');
    expect(() => normalizeDim(1, 0)).toThrow('Dimension out of range (expected to be in range of [-1, 0], but got 1)');
    expect(() => normalizeDim(0.5, 3)).toThrow('but got 0.5');
  });
});

describe('broadcastShapes', () => {
  vit('aligns from the right and takes the larger of each pair', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([1, 0], [5, 1])).toEqual([5, 0]);
    expect(broadcastShapes()).toEqual([]);
    expect(broadcastShapes([2, 1], [1, 3], [4, 1, 1])).toEqual([4, 2, 3]);
  });

  it.prop([broadcastPairArb()], { numRuns: 100 })('equals the elementwise rule for broadcastable pairs', ([a, b]) => {
    expect(broadcastShapes(a, b)).toEqual(refBroadcastShape(a, b));
    expect(broadcastShapes(b, a)).toEqual(refBroadcastShape(a, b));
  });

  it.prop([shapeArb({ maxSize: 3 }), shapeArb({ maxSize: 3 })], { numRuns: 100 })(
    'throws exactly when the elementwise rule has no answer',
    (a, b) => {
      let expected: number[] | undefined;
      try {
        expected = refBroadcastShape(a, b);
      } catch {
        expected = undefined;
      }
      if (expected) expect(broadcastShapes(a, b)).toEqual(expected);
      else expect(() => broadcastShapes(a, b)).toThrow(RangeError);
    },
  );

  vit('names both sizes, the dim and the shapes when the shapes do not broadcast', () => {
    expect(() => broadcastShapes([2, 3], [4, 3])).toThrow(
      'The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0 (shapes [2, 3] and [4, 3])',
    );
    expect(() => broadcastShapes([3], [2, 4])).toThrow('The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
  });
});

describe('parseShape', () => {
  vit('reads a shape given as one array or spread', () => {
    expect(parseShape([[2, 3]])).toEqual([2, 3]);
    expect(parseShape([2, 3])).toEqual([2, 3]);
    expect(parseShape([])).toEqual([]);
  });

  vit('rejects negative sizes like PyTorch, naming the size and the shape', () => {
    expect(() => parseShape([[2, -1]])).toThrow(RangeError);
    expect(() => parseShape([[2, -1]])).toThrow('Trying to create tensor with negative dimension -1: [2, -1]');
  });

  vit('rejects sizes that are not integers, naming what was being read', () => {
    expect(() => parseShape([1.5])).toThrow(TypeError);
    expect(() => parseShape([1.5])).toThrow('shape [1.5] is invalid: every size must be an integer');
    expect(() => parseShape([['2' as never]], 'expand size')).toThrow('expand size [2] is invalid: every size must be an integer');
  });

  vit('does not alias its argument', () => {
    const shape = [2, 3];
    const parsed = parseShape([shape]);
    parsed[0] = 9;
    expect(shape).toEqual([2, 3]);
  });
});

describe('broadcastsTo', () => {
  vit('accepts sizes of 1 or equal, aligned from the right, and never more dims', () => {
    expect(broadcastsTo([3, 1], [2, 3, 4])).toBe(true);
    expect(broadcastsTo([], [2, 3])).toBe(true);
    expect(broadcastsTo([2, 3], [2, 3])).toBe(true);
    expect(broadcastsTo([2, 1], [2, 3, 4])).toBe(false);
    expect(broadcastsTo([1, 2, 3], [2, 3])).toBe(false);
  });
  it.prop([broadcastPairArb()])('agrees with broadcastShapes: a shape broadcasts to the broadcast of itself and another', ([a, b]) => {
    const out = broadcastShapes(a, b);
    expect(broadcastsTo(a, out)).toBe(true);
    expect(broadcastsTo(b, out)).toBe(true);
  });
});
