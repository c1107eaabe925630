/**
 * Making tensors: from nested arrays and typed arrays, filled, ranges, random; moving them
 * between devices and dtypes; and the in-place writes (`fill_`, `copy_`) every other in-place op
 * goes through.
 */
import { backendOf, checkDevice, type Device } from '../device.js';
import { allocArray, castScalar, category, checkDType, dtypeOfArray, isFloating, scalarDType, type DType, type TypedArray } from '../dtype.js';
import { defaultGenerator, type Generator } from '../random.js';
import { broadcastsTo, fmtShape, numelOf, parseShape, type Shape } from '../shape.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { fromArray, Tensor, wrap, type TensorLike, type TensorOptions } from '../tensor.js';
import { sumToShape } from './reduce.js';

/** Nested arrays of numbers or booleans, as `torch.tensor` takes them. */
export type NestedData = number | boolean | readonly NestedData[];

/** Resolves creation options to a concrete dtype and device. */
function resolve(options: TensorOptions | undefined, fallback: DType = 'float32'): { dtype: DType; device: Device } {
  return {
    dtype: options?.dtype === undefined ? fallback : checkDType(options.dtype),
    device: options?.device === undefined ? 'js' : checkDevice(options.device),
  };
}

/** Builds a tensor from values computed in TypeScript, then moves it to the requested device. */
function build(array: TypedArray, shape: Shape, options: TensorOptions | undefined): Tensor {
  const t = fromArray(array, shape).to(resolve(options, dtypeOfArray(array)).device);
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Splits `(...shape, options?)` arguments: a shape spread or as one array, then optional options. */
function shapeAndOptions(args: readonly unknown[]): [number[], TensorOptions | undefined] {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !Array.isArray(last);
  const shapeArgs = (hasOptions ? args.slice(0, -1) : args) as (number | Shape)[];
  return [parseShape(shapeArgs), hasOptions ? (last as TensorOptions) : undefined];
}

/**
 * A tensor from nested arrays, a number, a boolean or a typed array (give `shape` for a flat
 * typed array). The dtype is inferred like PyTorch's: booleans give `bool`, integers `int32`
 * (PyTorch's int64), anything fractional `float32`. JavaScript cannot tell `1.0` from `1`, so
 * write `{ dtype: 'float32' }` to get floats from whole numbers.
 * @example
 * torch.tensor([[1, 2], [3, 4]]).dtype; // 'int32'
 * torch.tensor([1.5, 2]).dtype; // 'float32'
 * torch.tensor([[1, 2]], { dtype: 'float64' }).shape; // [1, 2]
 */
export function tensor(data: NestedData | TypedArray, options?: TensorOptions & { shape?: Shape }): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = dtypeOfArray(data);
    if (!dtype) throw new TypeError('tensor(): expected a Float32Array, Float64Array, Int32Array or Uint8Array');
    const shape = options?.shape ? parseShape([options.shape]) : [data.length];
    if (numelOf(shape) !== data.length) {
      throw new RangeError(`tensor(): shape ${fmtShape(shape)} is invalid for a typed array of ${data.length} elements`);
    }
    const copy = data.slice();
    return build(options?.dtype && options.dtype !== dtype ? fromArray(copy, shape).to(options.dtype).toTypedArray() : copy, shape, options);
  }
  const shape: number[] = [];
  const flat: (number | boolean)[] = [];
  inferShape(data, 0, [], shape, flat);
  const dtype = options?.dtype !== undefined ? checkDType(options.dtype) : inferDType(flat);
  const array = allocArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) array[i] = castScalar(flat[i], dtype);
  return build(array, shape, options);
}

/** Walks nested arrays, recording the shape from the first path and rejecting ragged or non-numeric data with the path of the bad element. */
function inferShape(data: NestedData, depth: number, path: number[], shape: number[], flat: (number | boolean)[]): void {
  const where = path.length ? ` at ${path.map((i) => `[${i}]`).join('')}` : '';
  if (Array.isArray(data)) {
    if (depth === shape.length && flat.length === 0) shape.push(data.length);
    else if (depth >= shape.length || shape[depth] !== data.length) {
      throw new RangeError(
        depth >= shape.length
          ? `ragged nested sequence: expected a number${where} but got a sequence of length ${data.length}`
          : `ragged nested sequence: expected sequence of length ${shape[depth]} at dim ${depth} (got ${data.length})${where}`,
      );
    }
    data.forEach((item: NestedData, i: number) => inferShape(item, depth + 1, [...path, i], shape, flat));
    return;
  }
  if (typeof data !== 'number' && typeof data !== 'boolean') {
    throw new TypeError(`tensor(): expected numbers or booleans but found ${data === null ? 'null' : typeof data}${where}`);
  }
  if (depth !== shape.length) {
    throw new RangeError(`ragged nested sequence: expected a sequence of length ${shape[depth]} at dim ${depth} but got a number${where}`);
  }
  flat.push(data);
}

function inferDType(flat: readonly (number | boolean)[]): DType {
  if (flat.length === 0) return 'float32'; // torch.tensor([]) is float32
  if (flat.every((v) => typeof v === 'boolean')) return 'bool';
  // mixed with numbers, booleans count as 0 and 1 (torch.tensor([True, 2]) is tensor([1, 2]))
  return flat.every((v) => typeof v === 'boolean' || scalarDType(v) === 'int32') ? 'int32' : 'float32';
}

/**
 * A tensor that shares memory with a typed array, like `torch.from_numpy`: on the `js` device,
 * writing to one changes the other.
 * @example
 * const array = new Float32Array([1, 2, 3, 4]);
 * const t = torch.fromTypedArray(array, [2, 2]);
 * array[0] = 9;
 * t.tolist(); // [[9, 2], [3, 4]]
 */
export function fromTypedArray(array: TypedArray, shape: Shape = [array.length]): Tensor {
  const parsed = parseShape([shape]);
  if (numelOf(parsed) !== array.length) {
    throw new RangeError(`fromTypedArray(): shape ${fmtShape(parsed)} is invalid for a typed array of ${array.length} elements`);
  }
  return fromArray(array, parsed);
}

/** A tensor of `shape` with every element `value`. */
function filled(shape: Shape, value: number | boolean, options: TensorOptions | undefined, fallback: DType): Tensor {
  const { dtype } = resolve(options, fallback);
  const array = allocArray(dtype, numelOf(shape));
  if (value !== 0) array.fill(castScalar(value, dtype));
  return build(array, shape, { ...options, dtype });
}

/**
 * A tensor of zeros. The shape may be one array or spread.
 * @example
 * torch.zeros(2, 3).shape; // [2, 3]
 * torch.zeros([2], { dtype: 'int32' }).tolist(); // [0, 0]
 */
export function zeros(...args: (number | Shape | TensorOptions)[]): Tensor {
  const [shape, options] = shapeAndOptions(args);
  return filled(shape, 0, options, 'float32');
}

/**
 * A tensor of ones.
 * @example
 * torch.ones(2).tolist(); // [1, 1]
 */
export function ones(...args: (number | Shape | TensorOptions)[]): Tensor {
  const [shape, options] = shapeAndOptions(args);
  return filled(shape, 1, options, 'float32');
}

/**
 * An uninitialised tensor, like `torch.empty`; Kindling fills it with zeros, so reading it is safe.
 * @example
 * torch.empty(3).shape; // [3]
 */
export function empty(...args: (number | Shape | TensorOptions)[]): Tensor {
  const [shape, options] = shapeAndOptions(args);
  return filled(shape, 0, options, 'float32');
}

/**
 * A tensor of `shape` filled with `value`; the dtype follows the value (bool, int32 or float32) unless given.
 * @example
 * torch.full([2], 7).tolist(); // [7, 7]
 * torch.full([2], 0.5).dtype; // 'float32'
 */
export function full(shape: Shape, value: number | boolean, options?: TensorOptions): Tensor {
  return filled(parseShape([shape]), value, options, scalarDType(value));
}

/**
 * The identity matrix (n × m, ones on the diagonal).
 * @example
 * torch.eye(2).tolist(); // [[1, 0], [0, 1]]
 * torch.eye(2, 3).shape; // [2, 3]
 */
export function eye(n: number, m?: number | TensorOptions, options?: TensorOptions): Tensor {
  const cols = typeof m === 'number' ? m : n;
  const opts = typeof m === 'object' ? m : options;
  if (n < 0) throw new RangeError(`n must be greater or equal to 0, got ${n}`);
  if (cols < 0) throw new RangeError(`m must be greater or equal to 0, got ${cols}`);
  const [rows, columns] = parseShape([[n, cols]], 'eye() size');
  const { dtype } = resolve(opts);
  const array = allocArray(dtype, rows * columns);
  for (let i = 0; i < Math.min(rows, columns); i++) array[i * columns + i] = 1;
  return build(array, [rows, columns], { ...opts, dtype });
}

/**
 * Values from `start` up to (not including) `end` in steps of `step`, like `torch.arange`.
 * Integers give int32 (PyTorch's int64), a fractional bound or step gives float32.
 * @example
 * torch.arange(4).tolist(); // [0, 1, 2, 3]
 * torch.arange(1, 2, 0.25).tolist(); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options?: TensorOptions): Tensor {
  const numbers = [start, end, step].filter((v): v is number => typeof v === 'number');
  options ??= [end, step].find((v): v is TensorOptions => typeof v === 'object');
  const [lo, hi, by] = numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1];
  if (by === 0) throw new RangeError('arange(): step must be nonzero');
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`arange(): unsupported range: ${lo} -> ${hi}`);
  if ((hi - lo) / by < 0) throw new RangeError('arange(): upper bound and larger bound inconsistent with step sign');
  const length = Math.ceil((hi - lo) / by);
  const { dtype } = resolve(options, [lo, hi, by].every(Number.isInteger) ? 'int32' : 'float32');
  const array = allocArray(dtype, length);
  for (let i = 0; i < length; i++) array[i] = lo + i * by;
  return build(array, [length], { ...options, dtype });
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive.
 * @example
 * torch.linspace(0, 1, 5).tolist(); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace(): number of steps must be non-negative, got ${steps}`);
  const { dtype } = resolve(options);
  const array = allocArray(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // like PyTorch, fill the first half forward from start and the second half backward from end
  // (with one step there is no end to count back from: linspace(a, b, 1) is [a], as in PyTorch)
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) array[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return build(array, [steps], { ...options, dtype });
}

/** Random creation options: a generator other than the default may be given. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function random(args: readonly unknown[], sample: (g: Generator) => number, fallback: DType = 'float32'): Tensor {
  const [shape, options] = shapeAndOptions(args) as [number[], RandomOptions | undefined];
  const { dtype } = resolve(options, fallback);
  if (fallback === 'float32' && !isFloating(dtype)) {
    throw new TypeError(`rand/randn need a floating dtype ('float32' or 'float64'), got '${dtype}'; use randint for integers`);
  }
  const generator = options?.generator ?? defaultGenerator;
  const array = allocArray(dtype, numelOf(shape));
  for (let i = 0; i < array.length; i++) array[i] = sample(generator);
  return build(array, shape, { ...options, dtype });
}

/**
 * Uniform random numbers in [0, 1), from the seeded generator (see `manualSeed`).
 * @example
 * torch.manualSeed(1);
 * const r = torch.rand(2, 3);
 * r.shape; // [2, 3]
 * r.ge(0).all().item() && r.lt(1).all().item(); // 1
 */
export function rand(...args: (number | Shape | RandomOptions)[]): Tensor {
  // a double in [1 - 2^-25, 1) rounds up to exactly 1 when stored as float32; cap draws at the
  // largest float32 below 1 so that rand stays in [0, 1) for every dtype
  return random(args, (g) => Math.min(g.random(), FLOAT32_BELOW_ONE));
}

/** The largest float32 less than 1. */
const FLOAT32_BELOW_ONE = 1 - 2 ** -24;

/**
 * Standard normal random numbers N(0, 1).
 * @example
 * torch.randn(1000).mean().abs().lt(0.2).item(); // 1
 */
export function randn(...args: (number | Shape | RandomOptions)[]): Tensor {
  return random(args, (g) => g.normal());
}

/**
 * Random integers in [low, high), like `torch.randint(low, high, size)`; `low` may be left out.
 * @example
 * torch.randint(10, [3]).dtype; // 'int32'
 * torch.randint(5, 7, [100]).ge(5).all().item(); // 1
 */
export function randint(lowOrHigh: number, highOrShape: number | Shape, shapeOrOptions?: Shape | RandomOptions, options?: RandomOptions): Tensor {
  const [low, high, shape, opts] =
    typeof highOrShape === 'number'
      ? [lowOrHigh, highOrShape, shapeOrOptions as Shape, options]
      : [0, lowOrHigh, highOrShape, shapeOrOptions as RandomOptions | undefined];
  if (!(high > low)) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  return random([shape, opts ?? {}], (g) => g.integer(low, high), 'int32');
}

/** Options of the `*Like` functions default to the model tensor's dtype and device. */
const like = (t: Tensor, options?: TensorOptions): TensorOptions => ({ dtype: t.dtype, device: t.device, ...options });

/**
 * Zeros with the shape, dtype and device of `t`.
 * @example
 * torch.zerosLike(torch.ones(2, 2)).tolist(); // [[0, 0], [0, 0]]
 */
export function zerosLike(t: Tensor, options?: TensorOptions): Tensor {
  return zeros(t.shape, like(t, options));
}

/**
 * Ones with the shape, dtype and device of `t`.
 * @example
 * torch.onesLike(torch.zeros(2)).tolist(); // [1, 1]
 */
export function onesLike(t: Tensor, options?: TensorOptions): Tensor {
  return ones(t.shape, like(t, options));
}

/**
 * `value` everywhere, with the shape, dtype and device of `t`.
 * @example
 * torch.fullLike(torch.zeros(2), 3).tolist(); // [3, 3]
 */
export function fullLike(t: Tensor, value: number | boolean, options?: TensorOptions): Tensor {
  return full(t.shape, value, like(t, options));
}

/**
 * Uniform random numbers with the shape of `t` (a floating dtype).
 * @example
 * torch.randLike(torch.zeros(2, 2)).shape; // [2, 2]
 */
export function randLike(t: Tensor, options?: RandomOptions): Tensor {
  return rand(t.shape, like(t, options));
}

/**
 * Normal random numbers with the shape of `t`.
 * @example
 * torch.randnLike(torch.zeros(4)).shape; // [4]
 */
export function randnLike(t: Tensor, options?: RandomOptions): Tensor {
  return randn(t.shape, like(t, options));
}

/** @internal `x` on `device` with `dtype` (`x` itself when both already match). */
export function convert(x: Tensor, device: Device, dtype: DType): Tensor {
  checkDType(dtype); // `x.to({ dtype })` hands the name over unchecked
  if (x.device === device && x.dtype === dtype) return x;
  const out = noGrad(() => {
    const from = backendOf(x.device);
    if (x.device === device) return wrap(device, from.copy(x._view, dtype), dtype, x.shape);
    // across devices, values travel through a typed array in row-major order (Tensor.to has
    // refused a device without synchronous reads)
    const values = from.readSync!(from.copy(x._view, x.dtype), x.dtype);
    const moved = wrap(device, backendOf(device).fromArray(values.slice()), x.dtype, x.shape);
    return convert(moved, device, dtype);
  });
  // the gradient goes back to x's device and dtype (none flows into integer or bool results)
  if (!isFloating(dtype)) return out;
  const [from, fromDtype] = [x.device, x.dtype];
  return record('ToCopyBackward0', [x], out, (g) => [g.to({ device: from, dtype: fromDtype })]);
}

/**
 * The 0-d tensors that numbers in ops became lately, by device, dtype and value. A number operand
 * (`x.mul(0.5)`, the learning rate in an optimizer step) is a 0-d tensor on the other operand's
 * device, and making one costs an upload there (on webgpu a queue write, about 10 µs: 15 of them
 * in a training step of the tutorial's MLP). They are never written into (ops read their operands;
 * autograd only saves them), and no user holds them, so one can serve every use. A small
 * least-recently-used map keeps the cache bounded.
 */
const scalars = new Map<string, Tensor>();
const SCALARS_KEPT = 64;

/** Makes `value` a tensor on `like`'s device; numbers take `dtype`. */
export function asTensor(value: TensorLike, like: Tensor, dtype: DType = like.dtype): Tensor {
  if (value instanceof Tensor) return value;
  const key = `${like.device} ${dtype} ${Object.is(value, -0) ? '-0' : String(value)}`;
  let t = scalars.get(key);
  if (t) {
    scalars.delete(key); // most recently used goes last
  } else {
    const array = allocArray(dtype, 1);
    array[0] = castScalar(value, dtype);
    t = fromArray(array, []).to(like.device);
    if (scalars.size === SCALARS_KEPT) scalars.delete(scalars.keys().next().value!);
  }
  scalars.set(key, t);
  return t;
}

/**
 * @internal Checks that an in-place write to `x` is allowed by autograd's rules: a leaf that
 * requires grad may only be changed under `noGrad` (as optimizers do); and Kindling does not
 * track writes through a view into a tensor whose gradient is being recorded (PyTorch's
 * CopySlices), so it refuses them rather than compute a wrong gradient.
 */
export function checkInplace(x: Tensor, ...values: (TensorLike | null | undefined)[]): void {
  if (!isGradEnabled()) return;
  if (x.isLeaf && x.requiresGrad) throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  const tracked = x.requiresGrad || values.some((v) => v instanceof Tensor && v.requiresGrad);
  if (x._base && tracked) {
    throw new Error(
      'in-place write into a view of a tensor whose gradient is recorded: Kindling does not track it (PyTorch would rewrite the ' +
        "base's history); write out of place instead, e.g. with torch.where or indexPut_ on the base tensor",
    );
  }
}

/** @internal Refuses to write into a view whose elements alias (an expanded dim): the result would depend on write order. */
export function checkWritable(x: Tensor): void {
  if (x.shape.some((size, d) => size > 1 && x.stride(d) === 0)) {
    throw new Error(
      'unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.',
    );
  }
}

/** @internal Marks an in-place write: views share the storage's version counter, which autograd checks. */
export function bumpVersion(x: Tensor): void {
  x._storage.version++;
}

/**
 * Sets every element to `value` in place.
 * @example
 * torch.zeros(3).fill_(2).tolist(); // [2, 2, 2]
 */
export function fill_(x: Tensor, value: TensorLike): Tensor {
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new RangeError(`fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`);
  }
  checkInplace(x);
  if (value instanceof Tensor) {
    // copied on the device, broadcast, rather than read (webgpu cannot read synchronously); write bumps the version
    write(x, noGrad(() => value.to(x.device)));
  } else {
    checkWritable(x);
    backendOf(x.device).fill(x._view, castScalar(value, x.dtype));
    bumpVersion(x);
  }
  // the old values no longer matter: whatever produced x gets no gradient from here on
  if (x.gradFn && isGradEnabled()) record('FillBackward0', [x], x, (g) => [g.mul(0)]);
  return x;
}

/**
 * Copies `src` into `x` in place; `src` broadcasts to `x`'s shape and is cast to its dtype, and may live on another device.
 * The gradient flows to `src` (summed over broadcast dims); `x`'s old values get none.
 * @example
 * const x = torch.zeros(2, 2);
 * x.copy_(torch.tensor([1, 2]));
 * x.tolist(); // [[1, 2], [1, 2]]
 */
export function copy_(x: Tensor, src: Tensor): Tensor {
  checkInplace(x, src);
  write(x, noGrad(() => src.to(x.device)));
  const [shape, dtype] = [src.shape, src.dtype];
  record('CopyBackwards', [x, src], x, (g) => [g.mul(0), sumToShape(g, shape).to(dtype)]);
  return x;
}

/**
 * @internal The end of an in-place op such as `x.add_(y)`: the result, computed out of place,
 * must fit `x` without changing its shape or casting to a lower dtype category, as in PyTorch.
 * Then it is written into `x`, and `x` takes over the result's place in the graph.
 */
export function inplace_(x: Tensor, result: Tensor): Tensor {
  if (category(result.dtype) > category(x.dtype)) {
    throw new TypeError(`result type ${result.dtype} can't be cast to the desired output type ${x.dtype}`);
  }
  if (!broadcastsTo(result.shape, x.shape)) {
    throw new RangeError(`output with shape ${fmtShape(x.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
  }
  checkInplace(x, result);
  // the op's node may have saved x itself: keep a copy of the old values before overwriting them
  // (recorded, so that double backward still reaches x's history)
  result.gradFn?.keepOriginals(x._storage, (t) => t.clone());
  write(x, result);
  if (result.gradFn) {
    x.gradFn = result.gradFn;
    x.requiresGrad = true;
  }
  return x;
}

/** @internal Writes `value` (broadcast to `x`'s shape, cast to its dtype) into the view `x`. */
export function write(x: Tensor, value: Tensor): Tensor {
  if (value.device !== x.device) {
    throw new Error(`Expected all tensors to be on the same device, but found at least two devices, ${x.device} and ${value.device}!`);
  }
  checkWritable(x);
  backendOf(x.device).copyInto(x._view, noGrad(() => value.expand(x.shape))._view);
  bumpVersion(x);
  return x;
}
