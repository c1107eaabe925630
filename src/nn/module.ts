/**
 * `nn.Module`, the base class of every layer and every model.
 *
 * What a module is, in three rules (the same as PyTorch's):
 *
 * 1. **It is callable.** `model(X)` runs the forward pre-hooks, then `forward(X)`, then the forward
 *    hooks. A Module instance *is* a JavaScript function: the constructor builds an arrow function
 *    that calls `forward` and gives it the class's prototype, so `model(X)` works and `model` is
 *    still an instance of its class with all its methods. (No `new Function(...)`: that would break
 *    under a browser's Content Security Policy.) TypeScript learns that instances are callable from
 *    the `interface Module` declared beside the class.
 * 2. **It finds its parts by looking at its own properties.** A property holding an `nn.Parameter`
 *    is a parameter, one holding a Module is a child (a submodule), and a tensor registered with
 *    `registerBuffer` is a buffer (state that is saved but not trained, like BatchNorm's running
 *    mean). Property order is registration order, so `this.flatten = …; this.linearReluStack = …`
 *    gives PyTorch's order and PyTorch's dotted names (`linearReluStack.0.weight`). A plain tensor
 *    property, even one that requires grad, is neither: make it an `nn.Parameter`.
 * 3. **It prints as a tree**, exactly like `print(model)` in PyTorch: each layer's `extraRepr()`
 *    (`in_features=784, out_features=512, bias=True`) and its children, indented.
 *
 * Differences from PyTorch: `parameters()`, `children()`, `modules()` and their `named…` forms
 * return arrays rather than generators. Kindling's own layers name their attributes in camelCase
 * (`runningMean`, PyTorch's `running_mean`); `stateDict({ snakeCase: true })` writes PyTorch's
 * spelling, and `loadStateDict` accepts either (see there).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { checkDType, isFloating, type DType } from '../dtype.js';
import type { Device } from '../device.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Parameter, setData } from './parameter.js';

/** Any module, whatever its forward's arguments and result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], any>;

/** A model's (or optimizer-free) state dict: dotted names to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

/** What `registerForwardHook` and friends return: `remove()` unregisters the hook. */
export interface RemovableHandle {
  remove(): void;
}

/** Called after `forward` with the module, its arguments and its result; a returned value replaces the result. */
export type ForwardHook<M extends AnyModule = AnyModule> = (module: M, input: unknown[], output: unknown) => unknown;

/** Called before `forward` with the module and its arguments; a returned value (an array, or one argument) replaces them. */
export type ForwardPreHook<M extends AnyModule = AnyModule> = (module: M, input: unknown[]) => unknown;

/** Options of `Module.stateDict`. */
export interface StateDictOptions {
  /** Put before every key (PyTorch's `prefix`). */
  prefix?: string;
  /** Return the parameters themselves rather than detached views of them. */
  keepVars?: boolean;
  /** Write each name in snake_case (`linearReluStack.0.weight` → `linear_relu_stack.0.weight`), as a PyTorch model of the same design names it. */
  snakeCase?: boolean;
}

/** What `loadStateDict` returns: the keys it did not find, and the ones it did not use (only non-empty when `strict` is false). */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Where a device name ends and a dtype name begins, for `to('wasm')` versus `to('float64')`. */
const DEVICES: readonly string[] = ['js', 'wasm', 'webgpu'];

/**
 * A name in PyTorch's snake_case: `runningMean` → `running_mean`; digits stay attached (`fc1`,
 * `conv2d`). Each segment of a dotted state-dict key converts on its own.
 * @example
 * torch.nn.toSnakeCase('linearReluStack.0.weight'); // 'linear_relu_stack.0.weight'
 * torch.nn.toSnakeCase('fc1.runningVar'); // 'fc1.running_var'
 */
export const toSnakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** How `loadStateDict` compares names across spellings: lower case, no underscores, per dotted segment. */
const looseKey = (key: string): string => key.replace(/_/g, '').toLowerCase();

/** PyTorch's `_addindent`: indents every line but the first. */
const addIndent = (text: string, spaces: number): string => text.split('\n').join(`\n${' '.repeat(spaces)}`);

/** Internal bookkeeping of a module, kept off its enumerable properties so that walking them finds only its parts. */
interface ModuleInternals {
  buffers: Set<string>;
  nonPersistent: Set<string>;
  forwardHooks: Map<number, ForwardHook>;
  forwardPreHooks: Map<number, ForwardPreHook>;
}

let nextHookId = 0;

/** Instances are callable: `model(x)` runs `forward(x)` with the module's hooks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Module<Args extends unknown[] = any[], Out = Tensor> {
  (...args: Args): Out;
}

/**
 * Base class for all neural network modules, like `torch.nn.Module`. Subclass it, create layers
 * as properties in the constructor and define `forward`; then call the instance.
 * @example
 * class TinyNet extends torch.nn.Module {
 *   linear = new torch.nn.Linear(2, 1);
 *   forward(x: torch.Tensor) {
 *     return this.linear(x).relu();
 *   }
 * }
 * const model = new TinyNet();
 * model(torch.ones(3, 2)).shape; // [3, 1]
 * model.namedParameters().map(([name]) => name); // ['linear.weight', 'linear.bias']
 * String(model); // 'TinyNet(\n  (linear): Linear(in_features=2, out_features=1, bias=True)\n)'
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class Module<Args extends unknown[] = any[], Out = Tensor> {
  /** True in training mode (the default), false after `eval()`: Dropout and BatchNorm behave differently. */
  declare training: boolean;
  /** @internal */
  declare _internals: ModuleInternals;

  constructor() {
    // The instance is this arrow function, re-parented onto the subclass's prototype; subclass
    // field initialisers then run on it. (Fields of this base class are `declare`d and set here,
    // because initialisers of a base class would go to the object the constructor discards.)
    const module = ((...args: Args): Out => callModule(module, args) as Out) as Module<Args, Out>;
    // a function's own `name` and `length` would shadow properties a subclass may want to define
    delete (module as { name?: string }).name;
    delete (module as { length?: number }).length;
    Object.setPrototypeOf(module, new.target.prototype);
    const hidden = (value: unknown) => ({ value, writable: true, enumerable: false, configurable: true });
    Object.defineProperties(module, {
      training: hidden(true),
      _internals: hidden({ buffers: new Set(), nonPersistent: new Set(), forwardHooks: new Map(), forwardPreHooks: new Map() }),
    });
    return module;
  }

  // ---- registering parts ----------------------------------------------------------------------

  /**
   * Adds a buffer: a tensor that belongs to the module's state (saved by `stateDict`, moved by
   * `to`) but is not trained. `persistent: false` keeps it out of the state dict.
   * @example
   * const m = new torch.nn.Module();
   * m.registerBuffer('steps', torch.zeros([], { dtype: 'int32' }));
   * Object.keys(m.stateDict()); // ['steps']
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkName(this, name, 'buffer');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`cannot assign '${typeof tensor}' object to buffer '${name}' (Tensor or null required)`);
    (this as unknown as Record<string, unknown>)[name] = tensor;
    this._internals.buffers.add(name);
    if (persistent) this._internals.nonPersistent.delete(name);
    else this._internals.nonPersistent.add(name);
  }

  /**
   * Adds a parameter under `name` (the same as assigning it to the property).
   * @example
   * const m = new torch.nn.Module();
   * m.registerParameter('scale', new torch.nn.Parameter(torch.ones(1)));
   * m.parameters().length; // 1
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, name, 'parameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign a plain Tensor as parameter '${name}' (nn.Parameter or null expected)`);
    }
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /**
   * Adds a child module under `name` (the same as assigning it to the property).
   * @example
   * const m = new torch.nn.Module();
   * m.addModule('act', new torch.nn.ReLU());
   * m.namedChildren().map(([name]) => name); // ['act']
   */
  addModule(name: string, module: AnyModule | null): void {
    checkName(this, name, 'module');
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  // ---- walking the tree -------------------------------------------------------------------------

  /** @internal This module's own parts, in property order (duplicates kept, nulls skipped). */
  _own(): { parameters: [string, Parameter][]; buffers: [string, Tensor][]; children: [string, AnyModule][] } {
    const parameters: [string, Parameter][] = [];
    const buffers: [string, Tensor][] = [];
    const children: [string, AnyModule][] = [];
    for (const [name, value] of Object.entries(this)) {
      if (value instanceof Parameter) parameters.push([name, value]);
      else if (value instanceof Tensor && this._internals.buffers.has(name)) buffers.push([name, value]);
      else if (value instanceof Module) children.push([name, value]);
    }
    return { parameters, buffers, children };
  }

  /**
   * Every module in the tree, this one first, with its dotted name (`''` for this one); each
   * module once, even when it is used twice.
   * @example
   * const seq = new torch.nn.Sequential(new torch.nn.Linear(2, 2), new torch.nn.ReLU());
   * seq.namedModules().map(([name]) => name); // ['', '0', '1']
   */
  namedModules(prefix = ''): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    const visit = (module: AnyModule, name: string) => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module._own().children) visit(child, name ? `${name}.${childName}` : childName);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Every module in the tree, this one first.
   * @example
   * new torch.nn.Sequential(new torch.nn.ReLU()).modules().length; // 2
   */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The direct children with their names.
   * @example
   * new torch.nn.Sequential(new torch.nn.ReLU()).namedChildren().map(([name]) => name); // ['0']
   */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    return this._own().children.filter(([, child]) => !seen.has(child) && seen.add(child));
  }

  /**
   * The direct children.
   * @example
   * new torch.nn.Sequential(new torch.nn.ReLU(), new torch.nn.ReLU()).children().length; // 2
   */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted name (`linearReluStack.0.weight`), each once, in the order
   * they were registered; only this module's own when `recurse` is false.
   * @example
   * const layer = new torch.nn.Linear(3, 2);
   * layer.namedParameters().map(([name, p]) => [name, p.shape]); // [['weight', [2, 3]], ['bias', [2]]]
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.namedMembers('parameters', prefix, recurse) as [string, Parameter][];
  }

  /**
   * Every parameter, each once: what an optimizer is given.
   * @example
   * new torch.nn.Linear(3, 2).parameters().length; // 2
   */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /**
   * Every buffer with its dotted name.
   * @example
   * new torch.nn.BatchNorm1d(3).namedBuffers().map(([name]) => name); // ['runningMean', 'runningVar', 'numBatchesTracked']
   */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers('buffers', prefix, recurse);
  }

  /**
   * Every buffer.
   * @example
   * new torch.nn.BatchNorm1d(3).buffers().length; // 3
   */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  private namedMembers(kind: 'parameters' | 'buffers', prefix: string, recurse: boolean): [string, Tensor][] {
    const modules: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [moduleName, module] of modules) {
      for (const [name, t] of module._own()[kind]) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([moduleName ? `${moduleName}.${name}` : name, t]);
      }
    }
    return out;
  }

  // ---- modes, devices, gradients ------------------------------------------------------------

  /**
   * Sets training mode (`mode` true) or evaluation mode on this module and every submodule.
   * @example
   * const model = new torch.nn.Sequential(new torch.nn.Dropout());
   * model.train(false).training; // false
   * model.train().children()[0].training; // true
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /**
   * Evaluation mode, `train(false)`: Dropout stops dropping and BatchNorm uses its running statistics.
   * Call it before inference.
   * @example
   * new torch.nn.Dropout().eval().training; // false
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter and buffer to a device and/or converts floating ones to a dtype, in
   * place: parameters stay the same objects (their storage is replaced, as PyTorch's are), so an
   * optimizer created before `to` keeps training them. Their gradients move with them. Returns
   * this module. (A device other than 'js' must be prepared first: `await torch.init(device)`, or
   * use the device `await torch.bestDevice()` returns.)
   * @example
   * const layer = new torch.nn.Linear(2, 2);
   * const weight = layer.weight;
   * layer.to('float64').weight === weight; // true
   * weight.dtype; // 'float64'
   */
  to(target: Device | DType | { device?: Device; dtype?: DType }): this {
    const { device, dtype } =
      typeof target === 'string'
        ? DEVICES.includes(target)
          ? { device: target as Device, dtype: undefined }
          : { device: undefined, dtype: checkDType(target) }
        : target;
    if (dtype !== undefined && !isFloating(dtype)) {
      throw new TypeError(`nn.Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`);
    }
    const convert = (t: Tensor) => t.to({ device: device ?? t.device, dtype: dtype !== undefined && isFloating(t.dtype) ? dtype : t.dtype });
    noGrad(() => {
      for (const p of this.parameters()) {
        const moved = convert(p);
        if (moved === p) continue;
        const grad = p.grad;
        p.grad = null;
        setData(p, moved);
        if (grad) p.grad = convert(grad);
      }
      for (const module of this.modules()) {
        for (const [name, buffer] of module._own().buffers) (module as unknown as Record<string, Tensor>)[name] = convert(buffer);
      }
    });
    return this;
  }

  /**
   * Resets the gradients of every parameter: to null (the default, as in PyTorch 2), or to zeros
   * with `setToNone: false`.
   * @example
   * const layer = new torch.nn.Linear(2, 1);
   * layer(torch.ones(1, 2)).sum().backward();
   * layer.weight.grad === null; // false
   * layer.zeroGrad();
   * layer.weight.grad; // null
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else if (p.grad) noGrad(() => p.grad!.zero_());
    }
  }

  /**
   * Sets `requiresGrad` on every parameter (to freeze a part of a model, pass false).
   * @example
   * new torch.nn.Linear(2, 2).requiresGrad_(false).weight.requiresGrad; // false
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module, like PyTorch's
   * `apply`; used for custom initialisation. Returns this module.
   * @example
   * const model = new torch.nn.Sequential(new torch.nn.Linear(2, 2));
   * model.apply((m) => { if (m instanceof torch.nn.Linear) torch.nn.init.zeros_(m.weight); });
   * model.parameters()[0].sum().item(); // 0
   */
  apply(fn: (module: AnyModule) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- state dicts --------------------------------------------------------------------------

  /**
   * The module's state as a plain object: every parameter and persistent buffer by its dotted name
   * (`linearReluStack.0.weight`), in PyTorch's order — each module's own parameters, then its
   * buffers, then its children's. The tensors share storage with the model (detached unless
   * `keepVars`). Save it with `torch.save`. `snakeCase` writes PyTorch's spelling of the names.
   * @example
   * const model = new torch.nn.Sequential(new torch.nn.Linear(2, 3), new torch.nn.BatchNorm1d(3));
   * Object.keys(model.stateDict()); // ['0.weight', '0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar', '1.numBatchesTracked']
   * Object.keys(model.stateDict({ snakeCase: true })).at(-1); // '1.num_batches_tracked'
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    const { prefix = '', keepVars = false, snakeCase = false } = options;
    const out: StateDict = {};
    const name = (key: string) => (snakeCase ? toSnakeCase(key) : key);
    const visit = (module: AnyModule, path: string) => {
      const own = module._own();
      for (const [key, p] of own.parameters) out[name(path + key)] = keepVars ? p : p.detach();
      for (const [key, b] of own.buffers) {
        if (!module._internals.nonPersistent.has(key)) out[name(path + key)] = keepVars ? b : b.detach();
      }
      for (const [key, child] of own.children) visit(child, `${path}${key}.`);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Copies a state dict's tensors into this module's parameters and buffers (cast to their dtype
   * and device), like PyTorch's `load_state_dict`. Everything is checked before anything is
   * copied, so a failed load leaves the module as it was. With `strict` (the default) the keys
   * must match exactly the module's; otherwise missing and unexpected keys are returned. A shape
   * mismatch is always an error.
   *
   * Keys are matched ignoring case and underscores when they do not match exactly, so a state
   * dict saved by PyTorch (`linear_relu_stack.0.weight`, `running_mean`) loads into the Kindling
   * model of the same design (`linearReluStack.0.weight`, `runningMean`); a key that would match
   * two of the module's keys this way is unexpected.
   * @example
   * const a = new torch.nn.Linear(2, 2);
   * const b = new torch.nn.Linear(2, 2);
   * b.loadStateDict(a.stateDict());
   * b.weight.equal(a.weight); // true
   * const { missingKeys } = b.loadStateDict({ weight: a.weight }, { strict: false });
   * missingKeys; // ['bias']
   */
  loadStateDict(stateDict: Record<string, unknown>, options: { strict?: boolean } = {}): IncompatibleKeys {
    const strict = options.strict ?? true;
    if (typeof stateDict !== 'object' || stateDict === null || stateDict instanceof Tensor) {
      throw new TypeError(`Expected state_dict to be a plain object of tensors, got ${stateDict === null ? 'null' : typeof stateDict}.`);
    }
    const own = this.stateDict({ keepVars: true });
    // the module's keys under their loose spelling; a spelling two keys share is ambiguous
    const byLoose = new Map<string, string | null>();
    for (const key of Object.keys(own)) byLoose.set(looseKey(key), byLoose.has(looseKey(key)) ? null : key);

    const matched = new Map<string, [string, unknown]>(); // own key → [given key, value]
    const unexpectedKeys: string[] = [];
    const given = Object.entries(stateDict);
    for (const [key, value] of given) if (key in own) matched.set(key, [key, value]);
    for (const [key, value] of given) {
      if (key in own) continue;
      const target = byLoose.get(looseKey(key));
      if (target && !matched.has(target)) matched.set(target, [key, value]);
      else unexpectedKeys.push(key);
    }
    const missingKeys = Object.keys(own).filter((key) => !matched.has(key));

    const errors: string[] = [];
    if (strict && missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    if (strict && unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
    for (const [key, [givenKey, value]] of matched) {
      const target = own[key];
      if (!(value instanceof Tensor)) {
        errors.push(`While copying the parameter named "${givenKey}", expected a Tensor from checkpoint but received ${value === null ? 'null' : typeof value}`);
      } else if (value.shape.length !== target.shape.length || value.shape.some((s, i) => s !== target.shape[i])) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape ${fmtShape(value.shape)} from checkpoint, the shape in current model is ${fmtShape(target.shape)}.`,
        );
      }
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);

    noGrad(() => {
      for (const [key, [, value]] of matched) own[key].copy_(value as Tensor);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks --------------------------------------------------------------------------------

  /**
   * Calls `hook(module, input, output)` after every forward; a value it returns replaces the output.
   * @example
   * const relu = new torch.nn.ReLU();
   * const shapes: number[][] = [];
   * const handle = relu.registerForwardHook((m, input, output) => { shapes.push([...(output as torch.Tensor).shape]); });
   * relu(torch.ones(2, 3));
   * handle.remove();
   * relu(torch.ones(4));
   * shapes; // [[2, 3]]
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    return addHook(this._internals.forwardHooks as Map<number, ForwardHook<this>>, hook);
  }

  /**
   * Calls `hook(module, input)` before every forward; a value it returns replaces the arguments
   * (an array, or a single argument).
   * @example
   * const relu = new torch.nn.ReLU();
   * relu.registerForwardPreHook((m, [x]) => (x as torch.Tensor).neg());
   * relu(torch.tensor([1, -2])).tolist(); // [0, 2]
   */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    return addHook(this._internals.forwardPreHooks as Map<number, ForwardPreHook<this>>, hook);
  }

  // ---- printing -----------------------------------------------------------------------------

  /**
   * The layer's settings, as PyTorch prints them between the parentheses; subclasses override it.
   * @example
   * new torch.nn.Linear(2, 3).extraRepr(); // 'in_features=2, out_features=3, bias=True'
   */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree, exactly as PyTorch's `print(model)` shows it.
   * @example
   * String(new torch.nn.Sequential(new torch.nn.ReLU())); // 'Sequential(\n  (0): ReLU()\n)'
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this._own().children.map(([name, child]) => `(${name}): ${addIndent(String(child), 2)}`);
    const lines = [...extraLines, ...childLines];
    let text = `${this.constructor.name}(`;
    if (lines.length) text += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    return `${text})`;
  }

  /** `console.log(model)` in Node prints the same tree as `String(model)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** The body of `model(...args)`: pre-hooks, `forward`, hooks. */
function callModule(module: AnyModule, args: unknown[]): unknown {
  for (const hook of module._internals.forwardPreHooks.values()) {
    const result = hook(module, args);
    if (result !== undefined) args = Array.isArray(result) ? result : [result];
  }
  const forward = (module as unknown as { forward?: (...a: unknown[]) => unknown }).forward;
  if (typeof forward !== 'function') throw new Error(`Module [${module.constructor.name}] is missing the required "forward" function`);
  let output = forward.apply(module, args);
  for (const hook of module._internals.forwardHooks.values()) {
    const result = hook(module, args, output);
    if (result !== undefined) output = result;
  }
  return output;
}

function addHook<H>(hooks: Map<number, H>, hook: H): RemovableHandle {
  const id = nextHookId++;
  hooks.set(id, hook);
  return { remove: () => void hooks.delete(id) };
}

/** PyTorch's checks on a name given to `register_buffer` and friends. */
function checkName(module: AnyModule, name: string, kind: string): void {
  if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string. Got ${typeof name}`);
  if (name === '') throw new Error(`${kind} name can't be empty string ""`);
  if (name.includes('.')) throw new Error(`${kind} name can't contain "."`);
  if (name in module && !Object.prototype.hasOwnProperty.call(module, name)) throw new Error(`attribute '${name}' already exists`);
}
