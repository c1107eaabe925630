/**
 * Saving and loading state dicts: `torch.save(obj, path)` and `await torch.load(path)`, in the
 * safetensors format (see `safetensors.ts`), so that a file written here loads in PyTorch
 * (`safetensors.torch.load_file`) and a file PyTorch writes (`save_file`) loads here.
 *
 * What is saved is a *state dict*, never code: a model's `stateDict()` (names to tensors) or an
 * optimizer's `stateDict()`. Safetensors holds only tensors and a string-to-string `__metadata__`,
 * so an optimizer's state dict is written with this layout (PyTorch's names, to read it back in
 * Python without guessing):
 *
 *     tensors   state.<i>.<name>   the state of parameter i: momentum_buffer, exp_avg, exp_avg_sq,
 *                                  max_exp_avg_sq, and step (a 0-d float32 tensor, as PyTorch keeps it)
 *     metadata  format             "pt"
 *               kindling.type      "optimizer"
 *               param_groups       the groups as JSON, with PyTorch's key names (weight_decay,
 *                                  initial_lr, …) and `params` as parameter indices
 *
 * and `load` turns such a file back into `{ state, paramGroups }` with Kindling's (camelCase) names.
 *
 * Saving to a path is atomic: the bytes go to a temporary file in the same folder, which is
 * flushed to disk and then renamed over the target, so a crash leaves either the old file or the
 * new one, never half of one. Loading checks the whole file before returning anything.
 *
 * In a browser there are no paths: `await torch.save(obj)` returns the bytes, and
 * `await torch.load(bytes)` reads them.
 */
import type { Device } from '../device.js';
import { tensor } from '../ops/creation.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { Tensor } from '../tensor.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** A model's state dict: names to tensors. */
export type TensorDict = Record<string, Tensor>;

/** What `save` writes and `load` returns. */
export type Saveable = TensorDict | OptimizerStateDict;

/** Options of `save`. */
export interface SaveOptions {
  /** Extra string entries for the file's `__metadata__`. */
  metadata?: Record<string, string>;
}

/** Options of `load`. */
export interface LoadOptions {
  /** Put the tensors on this device (PyTorch's `map_location`); 'js' by default. */
  device?: Device;
}

const toSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const toCamel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const isOptimizerStateDict = (obj: object): obj is OptimizerStateDict => 'state' in obj && 'paramGroups' in obj && Array.isArray((obj as OptimizerStateDict).paramGroups);

/** The tensors and metadata a state dict is written as. */
function flatten(obj: Saveable, extra: Record<string, string> | undefined): [TensorDict, Record<string, string>] {
  if (typeof obj === 'function') {
    throw new TypeError('save() takes a state dict, not a model: save model.stateDict(), then load it into a new model with loadStateDict (safetensors holds tensors, not code)');
  }
  if (typeof obj !== 'object' || obj === null || obj instanceof Tensor) {
    throw new TypeError(`save() takes a state dict (an object of tensors, or an optimizer's stateDict()), got ${obj === null ? 'null' : obj instanceof Tensor ? 'a Tensor: wrap it, as in { x }' : typeof obj}`);
  }
  const metadata: Record<string, string> = { format: 'pt', ...extra };
  if (!isOptimizerStateDict(obj)) {
    for (const [key, value] of Object.entries(obj)) {
      if (!(value instanceof Tensor)) throw new TypeError(`save(): "${key}" is ${value === null ? 'null' : typeof value}, not a Tensor; a state dict holds only tensors`);
    }
    return [obj as TensorDict, metadata];
  }
  const tensors: TensorDict = {};
  for (const [index, state] of Object.entries(obj.state)) {
    for (const [name, value] of Object.entries(state)) {
      const key = `state.${index}.${toSnake(name)}`;
      if (value instanceof Tensor) tensors[key] = value;
      else if (typeof value === 'number') tensors[key] = tensor(value, { dtype: 'float32' }); // the step count, as PyTorch keeps it
      else throw new TypeError(`save(): optimizer state ${index}.${name} is ${typeof value}; only tensors and numbers can be saved`);
    }
  }
  const groups = obj.paramGroups.map((group) => Object.fromEntries(Object.entries(group).map(([k, v]) => [toSnake(k), v])));
  metadata['kindling.type'] = 'optimizer';
  metadata.param_groups = JSON.stringify(groups);
  return [tensors, metadata];
}

/** Rebuilds what `flatten` wrote. */
function unflatten(tensors: TensorDict, metadata: Record<string, string>, source: string): Saveable {
  if (metadata['kindling.type'] !== 'optimizer') return tensors;
  let groups: Record<string, unknown>[];
  try {
    groups = JSON.parse(metadata.param_groups ?? '');
  } catch {
    throw new Error(`${source}: an optimizer file whose "param_groups" metadata is not valid JSON`);
  }
  const state: OptimizerStateDict['state'] = {};
  for (const [key, t] of Object.entries(tensors)) {
    const match = /^state\.(\d+)\.(.+)$/.exec(key);
    if (!match) throw new Error(`${source}: an optimizer file with an unexpected tensor "${key}" (expected state.<index>.<name>)`);
    (state[Number(match[1])] ??= {})[toCamel(match[2])] = t;
  }
  const paramGroups = groups.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [toCamel(k), v]))) as OptimizerStateDict['paramGroups'];
  return { state, paramGroups };
}

/**
 * Saves a state dict in the safetensors format: to `path` (atomically, in Node), or, without a
 * path, returns the file's bytes (for a browser, or to send elsewhere). `obj` is a model's
 * `stateDict()` or an optimizer's. Tensors may be on any device. Await it.
 * @example
 * const model = new torch.nn.Linear(2, 1);
 * const bytes = await torch.save(model.stateDict());
 * bytes instanceof Uint8Array; // true
 * const restored = new torch.nn.Linear(2, 1);
 * restored.loadStateDict(await torch.load(bytes));
 * restored.weight.equal(model.weight); // true
 */
export async function save(obj: Saveable, path?: undefined, options?: SaveOptions): Promise<Uint8Array>;
export async function save(obj: Saveable, path: string, options?: SaveOptions): Promise<void>;
export async function save(obj: Saveable, path?: string, options: SaveOptions = {}): Promise<Uint8Array | void> {
  const [tensors, metadata] = flatten(obj, options.metadata);
  const bytes = await encodeSafetensors(tensors, metadata);
  if (path === undefined) return bytes;
  await writeFileAtomically(path, bytes);
}

/**
 * Loads a state dict saved by `save` (or by PyTorch's safetensors `save_file`) from a path (in
 * Node) or from the file's bytes: a plain object of tensors, or `{ state, paramGroups }` for an
 * optimizer's file. A file that is missing, truncated, corrupt or in another format gives an
 * error naming the file and the problem, and nothing is returned half-read. Give the type of an
 * optimizer's state dict: `await torch.load<torch.optim.OptimizerStateDict>(path)`.
 * @example
 * const bytes = await torch.save({ w: torch.tensor([1, 2], { dtype: 'float32' }) });
 * const loaded = await torch.load(bytes);
 * loaded.w.tolist(); // [1, 2]
 * await torch.load(new Uint8Array(4)).catch((e: Error) => e.message.startsWith('the data: not a safetensors file')); // true
 */
export async function load<T = TensorDict>(source: string | Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<T> {
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === 'string') {
    name = `'${source}'`;
    bytes = await readFile(source);
  } else {
    name = 'the data';
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  }
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  if (options.device && options.device !== 'js') {
    for (const key of Object.keys(tensors)) tensors[key] = tensors[key].to(options.device);
  }
  return unflatten(tensors, metadata, name) as T;
}

// ---- files (Node only) ------------------------------------------------------------------------

type FsPromises = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** Node's fs and path modules, imported when first needed so that the browser build never loads them. */
async function nodeModules(what: string): Promise<{ fs: FsPromises; path: Path }> {
  // the specifiers are variables so that bundlers do not try to pack Node's modules for the browser
  const [fsName, pathName] = ['node:fs/promises', 'node:path'];
  try {
    const [fs, path] = await Promise.all([import(/* @vite-ignore */ fsName) as Promise<FsPromises>, import(/* @vite-ignore */ pathName) as Promise<Path>]);
    return { fs, path };
  } catch {
    throw new Error(`${what} a file needs Node.js; in a browser, use the bytes: \`await torch.save(obj)\` returns them and \`await torch.load(bytes)\` reads them`);
  }
}

async function readFile(file: string): Promise<Uint8Array> {
  const { fs } = await nodeModules('loading');
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new Error(`load: cannot read '${file}': ${why}`, { cause: error });
  }
}

/**
 * Writes `bytes` to `file` so that `file` is never seen half-written: write a temporary file next
 * to it, flush it to the disk, then rename it over `file` (a rename within a folder is atomic).
 */
async function writeFileAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const { fs, path } = await nodeModules('saving to');
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.open(temporary, 'wx');
    await handle.writeFile(bytes);
    await handle.sync(); // the data reaches the disk before the name points at it
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`save: cannot write '${file}': ${(error as Error).message}`, { cause: error });
  }
  // make the rename itself durable (POSIX: flush the folder's entry); not possible everywhere, so best effort
  const folder = await fs.open(path.dirname(file), 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close().catch(() => undefined);
}
