import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { DType } from '../src/dtype.js';
import { formatTensor } from '../src/format.js';

/** One tensor printed by PyTorch's repr(), written by tools/fixtures_format.py. */
interface Fixture {
  name: string;
  /** Flattened elements; nan, ±inf and -0 are spelled as strings since JSON cannot hold them. */
  values: (number | string)[];
  shape: number[];
  dtype: DType;
  suffixes: string[];
  expected: string;
}

const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 };
const decode = (v: number | string): number => (typeof v === 'number' ? v : special[v]!);

const fixtures = JSON.parse(fs.readFileSync(new URL('./fixtures/format.json', import.meta.url), 'utf8')) as Fixture[];

describe('formatTensor matches PyTorch repr()', () => {
  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(80);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    expect(formatTensor(f.values.map(decode), f.shape, f.dtype, f.suffixes)).toBe(f.expected);
  });
});

describe('formatTensor', () => {
  // PyTorch on CPU prints no device, so these expectations come from PyTorch's own suffix
  // placement (torch._tensor_str._add_suffixes) given the device suffix a Kindling backend adds.
  it('places a device suffix', () => {
    expect(formatTensor([1, 2], [2], 'float32', ["device='wasm'"])).toBe("tensor([1., 2.], device='wasm')");
  });

  it('moves suffixes that do not fit to a new line, indented to the data', () => {
    const values = Array.from({ length: 14 }, (_, i) => i);
    expect(formatTensor(values, [14], 'float64', ["device='webgpu'", 'dtype=torch.float64', 'requires_grad=True'])).toBe(
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n' +
        "       device='webgpu', dtype=torch.float64, requires_grad=True)",
    );
    const thirds = Array.from({ length: 9 }, (_, i) => Math.fround(i / 3));
    expect(formatTensor(thirds, [9], 'float32', ["device='webgpu'", 'grad_fn=<AddBackward0>'])).toBe(
      'tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667],\n' +
        "       device='webgpu', grad_fn=<AddBackward0>)",
    );
  });

  it('accepts typed arrays', () => {
    expect(formatTensor(new Uint8Array([1, 0]), [2], 'bool')).toBe('tensor([ True, False])');
    expect(formatTensor(new Int32Array([3, -4, 5, 6]), [2, 2], 'int32')).toBe('tensor([[ 3, -4],\n        [ 5,  6]])');
  });

  it('rejects values that do not fill the shape', () => {
    expect(() => formatTensor([1, 2, 3], [2, 2], 'float32')).toThrow(RangeError);
  });
});
