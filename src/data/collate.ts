/**
 * Collation: turning a list of samples into one batch, like PyTorch's `default_collate`.
 *
 * A dataset returns one sample at a time, say `[image, label]` with a 1×28×28 image tensor and a
 * number. A model wants a batch: one 64×1×28×28 tensor of images and one tensor of 64 labels.
 * `defaultCollate` does that transposition, by the shape of the first sample:
 *
 * - Tensors are stacked along a new first dimension (they must all have the same shape).
 * - Numbers become a tensor: whole numbers (class labels) an int32 tensor, others float32.
 *   Booleans become a bool tensor.
 * - Strings stay a list of strings.
 * - Arrays (tuples) and plain objects are collated position by position / key by key, so
 *   `[image, label]` samples give `[images, labels]` and `{ x, y }` samples give `{ x: xs, y: ys }`.
 */
import { allocArray } from '../dtype.js';
import { sameShape } from '../shape.js';
import { fromTypedArray } from '../ops/creation.js';
import { stack } from '../ops/joining.js';
import { Tensor } from '../tensor.js';
import { isImage } from '../transforms/image.js';

/** The type of a batch that `defaultCollate` makes from samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * Makes a batch out of a list of samples, like PyTorch's `default_collate` (see above).
 * @example
 * const samples: [torch.Tensor, number][] = [[torch.tensor([1, 2]), 0], [torch.tensor([3, 4]), 1]];
 * const [X, y] = torch.data.defaultCollate(samples);
 * X.tolist(); // [[1, 2], [3, 4]]
 * y.tolist(); // [0, 1]
 * y.dtype; // 'int32'
 * torch.data.defaultCollate([{ w: 0.5 }, { w: 1.5 }]).w.tolist(); // [0.5, 1.5]
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  return collate(batch, 'batch') as Collated<T>;
}

function collate(batch: readonly unknown[], path: string): unknown {
  if (batch.length === 0) throw new RangeError('defaultCollate: the batch is empty');
  const first = batch[0];
  if (first instanceof Tensor) return stackTensors(batch, path);
  if (typeof first === 'number' || typeof first === 'boolean') return numbersToTensor(batch, path);
  if (typeof first === 'string') return [...sameKind(batch, path, (s) => typeof s === 'string', 'a string')];
  if (Array.isArray(first)) {
    const rows = sameKind(batch, path, Array.isArray, 'an array') as unknown[][];
    if (rows.some((row) => row.length !== first.length)) throw new RangeError(`each element in list of batch should be of equal size (${path})`);
    return first.map((_, j) => collate(rows.map((row) => row[j]), `${path}[${j}]`));
  }
  if (isImage(first)) {
    throw new TypeError(
      `defaultCollate: ${path} holds images, not tensors; give the dataset \`transform: transforms.ToTensor()\` to turn each image into a tensor`,
    );
  }
  if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const records = sameKind(batch, path, (s) => typeof s === 'object' && s !== null, 'an object') as Record<string, unknown>[];
    return Object.fromEntries(Object.keys(first).map((key) => [key, collate(records.map((r) => r[key]), `${path}.${key}`)]));
  }
  const kind = first === null ? 'null' : typeof first === 'object' ? `an instance of ${first.constructor?.name}` : typeof first;
  throw new TypeError(`defaultCollate: batch must contain tensors, numbers, booleans, strings, arrays or plain objects; found ${kind} (${path})`);
}

/** Checks that every sample is of the first sample's kind. */
function sameKind(batch: readonly unknown[], path: string, test: (s: unknown) => boolean, kind: string): readonly unknown[] {
  const bad = batch.findIndex((s) => !test(s));
  if (bad >= 0) throw new TypeError(`defaultCollate: sample ${bad} of ${path} is not ${kind} like sample 0`);
  return batch;
}

/**
 * Stacks same-shaped tensors along a new first dim. On the `js` device this is one allocation
 * for the whole batch and one `set` (a memory copy) per sample; elsewhere it is `torch.stack`.
 */
function stackTensors(batch: readonly unknown[], path: string): Tensor {
  const tensors = sameKind(batch, path, (s) => s instanceof Tensor, 'a Tensor') as Tensor[];
  const first = tensors[0];
  for (let i = 1; i < tensors.length; i++) {
    const shape = tensors[i].shape;
    if (!sameShape(shape, first.shape)) {
      throw new RangeError(`stack expects each tensor to be equal size, but got [${first.shape.join(', ')}] at entry 0 and [${shape.join(', ')}] at entry ${i} (${path})`);
    }
  }
  const fast = tensors.every((t) => t.device === 'js' && t.dtype === first.dtype && !t.requiresGrad);
  if (!fast) return stack(tensors, 0);
  const numel = first.numel();
  const out = allocArray(first.dtype, tensors.length * numel);
  for (let i = 0; i < tensors.length; i++) out.set(tensors[i].toTypedArray(), i * numel);
  return fromTypedArray(out, [tensors.length, ...first.shape]);
}

/**
 * Numbers → int32 when all are whole (class labels), float32 when some are fractional (Kindling's
 * default float, as `torch.tensor([0.5])`); whole numbers too big for int32 → float64, which holds
 * them exactly (PyTorch would use int64, which Kindling lacks). Booleans → bool.
 */
function numbersToTensor(batch: readonly unknown[], path: string): Tensor {
  if (typeof batch[0] === 'boolean') {
    const flags = sameKind(batch, path, (s) => typeof s === 'boolean', 'a boolean') as boolean[];
    return fromTypedArray(Uint8Array.from(flags, Number));
  }
  const numbers = sameKind(batch, path, (s) => typeof s === 'number', 'a number') as number[];
  if (!numbers.every(Number.isInteger)) return fromTypedArray(Float32Array.from(numbers));
  const fitsInt32 = numbers.every((v) => v >= -(2 ** 31) && v < 2 ** 31);
  return fromTypedArray(fitsInt32 ? Int32Array.from(numbers) : Float64Array.from(numbers));
}
