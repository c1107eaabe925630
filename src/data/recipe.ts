/**
 * Sending datasets and batches between threads.
 *
 * A `DataLoader` with `numWorkers > 0` loads samples in other threads (Node's `worker_threads`,
 * or Web Workers in a browser). Threads share no objects: a message between them is copied by
 * the structured clone algorithm, which handles numbers, strings, arrays, plain objects and typed
 * arrays, but not functions or class instances. A dataset is an object with methods and usually
 * holds transforms, which are functions, so it cannot be sent as it is. Instead each worker
 * *rebuilds* the dataset from a **recipe**: "import this module, take this export, and call it
 * (or `new` it) with these arguments". Kindling's datasets and transforms know their own recipe
 * (`toRecipe()`); for your own dataset class, give it a `toRecipe()` or give the DataLoader a
 * `workerDataset` recipe that names a function in one of your modules.
 *
 * Tensors cross threads as their typed array plus shape. A typed array can be *transferred*
 * rather than copied: its memory moves to the other thread and the sender's copy becomes empty.
 * Workers transfer the batches they build, so a batch reaches the main thread without a copy.
 */
import { fromTypedArray } from '../ops/creation.js';
import type { TypedArray } from '../dtype.js';
import { Tensor } from '../tensor.js';

/**
 * How to rebuild an object in another thread: import `module` (a URL, usually
 * `import.meta.url` of the file that defines the export), take its export `name`, and call it
 * with `args`, or construct it with `new` when `construct` is true. Arguments are plain data,
 * Tensors, or objects that have a recipe of their own.
 */
export interface Recipe {
  readonly module: string;
  readonly name: string;
  readonly args?: readonly unknown[];
  readonly construct?: boolean;
}

/** An object that can tell a worker thread how to rebuild it. */
export interface Portable {
  toRecipe(): Recipe;
}

/** True for objects with a `toRecipe()` method. */
export function isPortable(value: unknown): value is Portable {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Portable).toRecipe === 'function';
}

/** The key that marks the two kinds of object `pack` creates, so `unpack` can find them. */
const TAG = '__kindling__';

/** A Tensor as plain data: its elements (row-major) and its shape. */
interface PackedTensor {
  [TAG]: 'tensor';
  data: TypedArray;
  shape: number[];
}

/** A recipe whose arguments are packed. */
interface PackedRecipe {
  [TAG]: 'recipe';
  module: string;
  name: string;
  args: unknown[];
  construct: boolean;
}

/** Plain objects (made by `{}` literals or `Object.create(null)`) are copied key by key; class instances are not. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : 'an object';
}

/**
 * Turns `value` into plain data that can be posted to another thread: Tensors become
 * `{ data, shape }`, portable objects become packed recipes, and arrays and plain objects are
 * packed element by element. Anything else that is not plain data (a function, a class instance
 * without a recipe) throws, naming where it was found (`path`).
 *
 * With `transfer`, the typed arrays of the Tensors are listed in it for transferring when they
 * own their whole buffer; a Tensor that views part of a bigger buffer is copied first, because
 * posting a view would send (or, transferred, take away) the whole buffer.
 */
export function pack(value: unknown, path: string, transfer?: Transferable[]): unknown {
  if (value instanceof Tensor) {
    const elements = value.contiguous().toTypedArray();
    const ownsBuffer = elements.byteOffset === 0 && elements.byteLength === elements.buffer.byteLength;
    const data = ownsBuffer ? elements : elements.slice();
    if (transfer && data.buffer instanceof ArrayBuffer) transfer.push(data.buffer);
    const packed: PackedTensor = { [TAG]: 'tensor', data, shape: [...value.shape] };
    return packed;
  }
  if (isPortable(value)) {
    const recipe = value.toRecipe();
    const packed: PackedRecipe = {
      [TAG]: 'recipe',
      module: recipe.module,
      name: recipe.name,
      args: (recipe.args ?? []).map((arg, i) => pack(arg, `${path} → ${recipe.name}() argument ${i}`)),
      construct: recipe.construct ?? false,
    };
    return packed;
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw notPortable(value, path);
    return value; // numbers, strings, booleans, undefined, bigints
  }
  if (ArrayBuffer.isView(value)) return value; // typed arrays clone as they are
  if (Array.isArray(value)) return value.map((item, i) => pack(item, `${path}[${i}]`, transfer));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, pack(item, `${path}.${key}`, transfer)]));
  }
  throw notPortable(value, path);
}

function notPortable(value: unknown, path: string): TypeError {
  return new TypeError(
    `${path} is ${describe(value)}, which cannot be sent to a DataLoader worker thread (threads share no objects, ` +
      'and functions cannot be copied). Give it a toRecipe() method, or give the DataLoader a `workerDataset` ' +
      'recipe: { module, name, args } naming an exported function that builds the dataset in each worker.',
  );
}

/** Modules already imported by `unpack`, by URL. */
const modules = new Map<string, Promise<Record<string, unknown>>>();

/**
 * The reverse of `pack`, in the receiving thread: rebuilds Tensors around the received typed
 * arrays (no copy) and runs packed recipes, importing their modules (hence async).
 */
export async function unpack(value: unknown): Promise<unknown> {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return Promise.all(value.map(unpack));
  const tagged = value as PackedTensor | PackedRecipe;
  if (tagged[TAG] === 'tensor') return fromTypedArray(tagged.data, tagged.shape);
  if (tagged[TAG] === 'recipe') return runRecipe(tagged.module, tagged.name, await unpack(tagged.args) as unknown[], tagged.construct);
  const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await unpack(item)] as const));
  return Object.fromEntries(entries);
}

/** Imports a recipe's module and calls (or constructs) its export. */
async function runRecipe(module: string, name: string, args: unknown[], construct: boolean): Promise<unknown> {
  if (!modules.has(module)) modules.set(module, import(/* @vite-ignore */ module) as Promise<Record<string, unknown>>);
  const exports = await modules.get(module)!;
  const target = exports[name];
  if (typeof target !== 'function') {
    throw new TypeError(`recipe: ${module} has no exported function or class named '${name}'`);
  }
  return construct ? new (target as new (...a: unknown[]) => unknown)(...args) : (target as (...a: unknown[]) => unknown)(...args);
}

/**
 * The synchronous `unpack` for batches, which hold only Tensors and plain data (no recipes):
 * the main thread can then hand a batch over without waiting.
 */
export function unpackData(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(unpackData);
  const tagged = value as PackedTensor;
  if (tagged[TAG] === 'tensor') return fromTypedArray(tagged.data, tagged.shape);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unpackData(item)]));
}
