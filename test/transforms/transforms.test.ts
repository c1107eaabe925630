/** torchvision's transforms: ToTensor, Lambda, Compose, Normalize (src/transforms). */
import { describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Image } from '../../src/transforms/index.js';

const { ToTensor, Lambda, Compose, Normalize } = torch.transforms;

/** An arbitrary byte image: height, width, channels (1, 3 or 4) and its bytes. */
const byteImage = fc
  .record({ height: fc.integer({ min: 1, max: 6 }), width: fc.integer({ min: 1, max: 6 }), channels: fc.constantFrom(1, 3, 4) })
  .chain(({ height, width, channels }) =>
    fc.uint8Array({ minLength: height * width * channels, maxLength: height * width * channels }).map((data) => ({ data, height, width, channels })),
  );

describe('ToTensor', () => {
  it.prop([byteImage])('bytes H×W×C → float32 C×H×W, value / 255 (as float32, like PyTorch)', ({ data, height, width, channels }) => {
    const x = ToTensor()({ data, height, width });
    expect(x.shape).toEqual([channels, height, width]);
    expect(x.dtype).toBe('float32');
    const values = x.toTypedArray();
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < height * width; p++) {
        expect(values[c * height * width + p]).toBe(Math.fround(data[p * channels + c] / 255));
      }
    }
  });

  vit('matches torch.ToTensor on a known image: uint8 0, 1, 128, 255', () => {
    // torchvision: ToTensor()(np.array([[0, 1], [128, 255]], dtype=np.uint8)) gives these float32 values
    const x = ToTensor()({ data: new Uint8Array([0, 1, 128, 255]), height: 2, width: 2 });
    expect(x.tolist()).toEqual([[[0, 0.003921568859368563], [0.501960813999176, 1]]]);
  });

  vit('an RGB image moves its channels to the front', () => {
    // two pixels, (r, g, b) = (255, 0, 51) and (0, 255, 102)
    const x = ToTensor()({ data: new Uint8Array([255, 0, 51, 0, 255, 102]), height: 1, width: 2 });
    expect(x.shape).toEqual([3, 1, 2]);
    expect(x.mul(255).round().tolist()).toEqual([[[255, 0]], [[0, 255]], [[51, 102]]]);
  });

  vit('a canvas ImageData (Uint8ClampedArray, RGBA) becomes 4 channels', () => {
    const x = ToTensor()({ data: new Uint8ClampedArray(2 * 3 * 4).fill(255), height: 2, width: 3 });
    expect(x.shape).toEqual([4, 2, 3]);
    expect(x.min().item()).toBe(1);
  });

  vit('float images are kept as they are (already in [0, 1]) and become float32', () => {
    const x = ToTensor()({ data: new Float64Array([0.25, 0.5]), height: 1, width: 2 });
    expect(x.dtype).toBe('float32');
    expect(x.tolist()).toEqual([[[0.25, 0.5]]]);
  });

  vit('each call gives a new tensor that does not share memory with the image or the previous one', () => {
    const data = new Uint8Array([10, 20]);
    const toTensor = ToTensor();
    const a = toTensor({ data, height: 1, width: 2 });
    const b = toTensor({ data, height: 1, width: 2 });
    a.fill_(0);
    expect(b.mul(255).round().tolist()).toEqual([[[10, 20]]]);
    expect(Array.from(data)).toEqual([10, 20]);
  });

  vit('rejects what is not an image, and data that does not fit the size', () => {
    expect(() => ToTensor()(torch.zeros(2, 2) as unknown as Image)).toThrow(/expected an image.*got a Tensor of shape \[2, 2\]/);
    expect(() => ToTensor()({ data: new Uint8Array(5), height: 2, width: 2 })).toThrow(/2×2 pixels cannot hold 5 values/);
  });

  vit('prints like torchvision', () => {
    expect(String(ToTensor())).toBe('ToTensor()');
  });
});

describe('Lambda', () => {
  vit("the tutorial's one-hot target transform works as written there", () => {
    const targetTransform = Lambda((y: number) => torch.zeros([10]).scatter_(0, torch.tensor(y), 1));
    for (let y = 0; y < 10; y++) {
      const oneHot = targetTransform(y);
      expect(oneHot.dtype).toBe('float32');
      expect(oneHot.tolist()).toEqual(Array.from({ length: 10 }, (_, i) => (i === y ? 1 : 0)));
    }
  });

  vit('rejects a non-function, like torchvision', () => {
    expect(() => Lambda(3 as unknown as (x: number) => number)).toThrow('Argument lambd should be callable, got number');
  });

  vit('cannot be sent to a worker: it has no recipe', () => {
    expect(Lambda((x: number) => x).toRecipe).toBeUndefined();
    expect(String(Lambda((x: number) => x))).toBe('Lambda()');
  });
});

describe('Compose', () => {
  vit('applies the transforms in order', () => {
    const calls: string[] = [];
    const t = Compose([Lambda((x: number) => (calls.push('a'), x + 1)), Lambda((x: number) => (calls.push('b'), x * 10))]);
    expect(t(1)).toBe(20);
    expect(calls).toEqual(['a', 'b']);
  });

  vit('types the result from the first input to the last output', () => {
    const t = Compose([ToTensor(), Normalize([0.5], [0.5])]);
    const x: torch.Tensor = t({ data: new Uint8Array([0, 255]), height: 1, width: 2 });
    expect(x.tolist()).toEqual([[[-1, 1]]]);
  });

  vit('prints like torchvision and has a recipe made of its parts', () => {
    const t = Compose([ToTensor(), Normalize([0.1307], [0.3081])]);
    expect(String(t)).toBe('Compose(\n    ToTensor()\n    Normalize(mean=[0.1307], std=[0.3081])\n)');
    expect(t.toRecipe!()).toMatchObject({ name: 'Compose' });
  });

  vit('rejects what is not a list of transforms', () => {
    expect(() => Compose([ToTensor(), 3 as unknown as torch.transforms.Transform])).toThrow('transforms[1] is not a transform');
  });
});

describe('Normalize', () => {
  it.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })], { numRuns: 20 })(
    '(x - mean[c]) / std[c] for each channel c',
    (channels, height, width) => {
      const x = torch.rand(channels, height, width);
      const mean = Array.from({ length: channels }, (_, c) => c / 10);
      const std = Array.from({ length: channels }, (_, c) => 0.5 + c);
      const y = Normalize(mean, std)(x);
      for (let c = 0; c < channels; c++) {
        const expected = x.index(c).sub(Math.fround(mean[c])).div(Math.fround(std[c]));
        expect(y.index(c).allclose(expected, { rtol: 0, atol: 1e-6 })).toBe(true);
      }
    },
  );

  vit('one value applies to every channel; a batch (N×C×H×W) works too', () => {
    expect(Normalize(0.5, 0.5)(torch.ones(3, 1, 1)).tolist()).toEqual([[[1]], [[1]], [[1]]]);
    expect(Normalize([0, 1], [1, 1])(torch.zeros(2, 2, 1, 1)).tolist()).toEqual([
      [[[0]], [[-1]]],
      [[[0]], [[-1]]],
    ]);
  });

  vit('returns a new tensor, or changes the input with inplace', () => {
    const x = torch.ones(1, 1, 2);
    Normalize([1], [1])(x);
    expect(x.tolist()).toEqual([[[1, 1]]]);
    Normalize([1], [1], true)(x);
    expect(x.tolist()).toEqual([[[0, 0]]]);
  });

  vit('errors as torchvision raises them', () => {
    expect(() => Normalize([0], [0])).toThrow('std evaluated to zero');
    expect(() => Normalize([0], [1])(torch.zeros(2, 2))).toThrow('Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = [2, 2]');
    expect(() => Normalize([0], [1])(torch.zeros([1, 2, 2], { dtype: 'int32' }))).toThrow('Input tensor should be a float tensor. Got int32.');
  });

  vit('prints its arguments', () => {
    expect(String(Normalize([0.5, 0.5], [0.2, 0.2], true))).toBe('Normalize(mean=[0.5, 0.5], std=[0.2, 0.2], inplace=True)');
  });
});
