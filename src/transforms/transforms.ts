/**
 * torchvision's transforms that "Learn the Basics" uses: `ToTensor`, `Lambda`, `Compose` and
 * `Normalize`.
 *
 * A transform is a function from one value to another (an image to a tensor, a label to a
 * one-hot vector). Datasets take one as `transform` (applied to each sample's features) and one
 * as `targetTransform` (applied to its label). As in torchvision you make a transform by calling
 * its name, `ToTensor()`, and apply it by calling the result, `ToTensor()(image)`.
 *
 * Each transform here also knows how to describe itself (it prints like torchvision's), and all
 * but `Lambda` know their recipe, so that a `DataLoader` can rebuild them in its worker threads
 * (see `src/data/recipe.ts`).
 */
import { fromTypedArray, tensor } from '../ops/creation.js';
import { Tensor } from '../tensor.js';
import type { Recipe } from '../data/recipe.js';
import { channelsOf, isImage, type Image } from './image.js';

/**
 * A transform: call it with an input to get the output. It may also say how to rebuild it in a
 * worker thread (`toRecipe`); a `Lambda` cannot, because a function's code cannot be sent there.
 */
export interface Transform<I = any, O = any> {
  (input: I): O;
  toRecipe?(): Recipe;
}

/** The module that defines the transforms, for their recipes. */
const here = import.meta.url;

/** Turns a function into a transform that prints as `description` and rebuilds from `recipe`. */
function makeTransform<I, O>(apply: (input: I) => O, description: string, recipe?: Recipe): Transform<I, O> {
  const transform = (input: I): O => apply(input);
  const print = (): string => description;
  Object.defineProperties(transform, {
    name: { value: description.slice(0, description.indexOf('(')) },
    toString: { value: print },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: print },
  });
  if (recipe) Object.defineProperty(transform, 'toRecipe', { value: (): Recipe => recipe });
  return transform;
}

/**
 * Converts an image (bytes 0..255 or floats, H×W or H×W×C, see `Image`) into a float32 tensor of
 * shape C×H×W with values in [0, 1], like torchvision's `ToTensor()`: bytes are divided by 255,
 * floats are kept as they are, and the channels move to the front because that is the layout
 * convolution layers expect (channels first, then rows, then columns).
 * @example
 * const toTensor = torch.transforms.ToTensor();
 * const image = { data: new Uint8Array([0, 51, 102, 255]), height: 2, width: 2 };
 * toTensor(image).shape; // [1, 2, 2]
 * toTensor(image).tolist(); // [[[0, 0.20000000298023224], [0.4000000059604645, 1]]]
 * String(toTensor); // 'ToTensor()'
 */
export function ToTensor(): Transform<Image, Tensor> {
  return makeTransform(imageToTensor, 'ToTensor()', { module: here, name: 'ToTensor' });
}

/**
 * A new zero-filled Float32Array of `length` elements, carved out of a larger shared buffer.
 *
 * `ToTensor` runs once per sample, 60,000 times an epoch for FashionMNIST, and a fresh typed
 * array is surprisingly costly: each one gets its own memory block from the system, which the
 * garbage collector must track and free. So, like Node's pool for small `Buffer`s, small arrays
 * are views into a 256 KB slab that is shared until it is full. (A slab is freed once no array
 * in it is used any more.)
 */
function newFloat32Array(length: number): Float32Array {
  const bytes = length * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > SLAB_BYTES / 8) return new Float32Array(length);
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const array = new Float32Array(slab, slabUsed, length);
  slabUsed += bytes;
  return array;
}
const SLAB_BYTES = 256 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** `ToTensor`'s work, as one tight loop that writes a new Float32Array. */
function imageToTensor(image: Image): Tensor {
  if (!isImage(image)) {
    const value: unknown = image;
    const got = value instanceof Tensor ? `a Tensor of shape [${value.shape.join(', ')}]` : typeof value;
    throw new TypeError(`ToTensor(): expected an image ({ data, height, width }, e.g. a dataset sample or a decoded PNG), got ${got}`);
  }
  const { data, height, width } = image;
  const channels = channelsOf(image);
  const pixels = height * width;
  const out = newFloat32Array(data.length);
  // bytes are scaled to [0, 1]; float images are assumed to be in [0, 1] already (torchvision's rule)
  const isBytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray;
  const scale = isBytes ? 255 : 1;
  if (channels === 1) {
    for (let i = 0; i < pixels; i++) out[i] = data[i] / scale;
  } else {
    // H×W×C (channels interleaved) → C×H×W (one plane per channel)
    for (let c = 0; c < channels; c++) {
      const plane = c * pixels;
      for (let i = 0; i < pixels; i++) out[plane + i] = data[i * channels + c] / scale;
    }
  }
  return fromTypedArray(out, [channels, height, width]);
}

/**
 * Wraps any function as a transform, like torchvision's `Lambda`. The tutorial's one-hot label
 * transform: a zero vector of 10 with a 1 written at index `y` by `scatter_`.
 * @example
 * const oneHot = torch.transforms.Lambda((y: number) => torch.zeros([10]).scatter_(0, torch.tensor(y), 1));
 * oneHot(3).tolist(); // [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
 */
export function Lambda<I, O>(lambd: (input: I) => O): Transform<I, O> {
  if (typeof lambd !== 'function') throw new TypeError(`Argument lambd should be callable, got ${typeof lambd}`);
  return makeTransform(lambd, 'Lambda()');
}

/** The input type of a transform. */
type InputOf<T> = T extends Transform<infer I, any> ? I : never;
/** The output type of a transform. */
type OutputOf<T> = T extends Transform<any, infer O> ? O : never;
/** The last element type of a tuple. */
type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : T[number];

/**
 * Chains transforms: the output of each is the input of the next, like torchvision's `Compose`.
 * @example
 * const transform = torch.transforms.Compose([torch.transforms.ToTensor(), torch.transforms.Normalize([0.5], [0.5])]);
 * transform({ data: new Uint8Array([0, 255]), height: 1, width: 2 }).tolist(); // [[[-1, 1]]]
 * String(transform); // 'Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)'
 */
export function Compose<const T extends readonly Transform[]>(transforms: T): Transform<InputOf<T[0]>, OutputOf<Last<T>>> {
  if (!Array.isArray(transforms)) throw new TypeError('Compose() takes an array of transforms');
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new TypeError(`Compose(): transforms[${i}] is not a transform (got ${typeof t})`);
  });
  const list = [...transforms];
  const apply = (input: unknown): unknown => list.reduce((value, t) => t(value), input);
  const description = `Compose(\n${list.map((t) => `    ${String(t)}`).join('\n')}\n)`;
  // the recipe's argument holds the transforms themselves; packing it asks each for its recipe
  return makeTransform(apply, description, { module: here, name: 'Compose', args: [list] }) as Transform<InputOf<T[0]>, OutputOf<Last<T>>>;
}

/**
 * Normalizes a tensor image (…×C×H×W, float) channel by channel: `(x - mean[c]) / std[c]`, like
 * torchvision's `Normalize(mean, std)`. One number, or a list of one, applies to every channel.
 * The result is a new tensor unless `inplace`.
 * @example
 * const normalize = torch.transforms.Normalize([0.5, 0], [0.5, 2]);
 * normalize(torch.ones(2, 1, 2)).tolist(); // [[[1, 1]], [[0.5, 0.5]]]
 */
export function Normalize(mean: number | readonly number[], std: number | readonly number[], inplace = false): Transform<Tensor, Tensor> {
  const means = typeof mean === 'number' ? [mean] : [...mean];
  const stds = typeof std === 'number' ? [std] : [...std];
  // shape [C, 1, 1] so that they broadcast over the rows and columns of each channel
  const meanT = tensor(means, { dtype: 'float32' }).view(-1, 1, 1);
  const stdT = tensor(stds, { dtype: 'float32' }).view(-1, 1, 1);
  if (stds.some((s) => Math.fround(s) === 0)) {
    throw new RangeError(`std evaluated to zero after conversion to float32, leading to division by zero.`);
  }
  const apply = (x: Tensor): Tensor => {
    if (!(x instanceof Tensor)) throw new TypeError(`Normalize(): img should be a Tensor image (apply ToTensor first), got ${typeof x}`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new TypeError(`Input tensor should be a float tensor. Got ${x.dtype}.`);
    if (x.ndim < 3) {
      throw new RangeError(`Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = [${x.shape.join(', ')}]`);
    }
    return inplace ? x.sub_(meanT).div_(stdT) : x.sub(meanT).div(stdT);
  };
  const description = `Normalize(mean=[${means.join(', ')}], std=[${stds.join(', ')}]${inplace ? ', inplace=True' : ''})`;
  return makeTransform(apply, description, { module: here, name: 'Normalize', args: [means, stds, inplace] });
}
