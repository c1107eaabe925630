/**
 * The runner of the ops conformance suite (test/ops.fixtures.test.ts, whose header explains the
 * tolerances and the gradient checks): PyTorch's cases from test/fixtures/ops.json, the Kindling
 * side of the op table, and `runCase` / `runGradCase`, which replay one case on one device and throw
 * (a vitest assertion error) where Kindling differs from PyTorch.
 *
 * It lives apart from the test so that the docs can replay the same cases: tools/docs/coverage.ts
 * builds the coverage matrix (op × device × dtype) from them, so the matrix is never hand-kept.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as torch from '../../src/index.js';
import type { DType, Device, Tensor } from '../../src/index.js';

/** Why a device can't run a case, or undefined when it can: what a backend does not support, with the reason. */
export function skipReason(device: Device, c: Case): string | undefined {
  if (device === 'webgpu' && JSON.stringify(c).includes('float64')) return 'webgpu has no float64';
  if (device === 'webgpu') return shapeFromValues(c);
  return undefined;
}

/**
 * Why a case's result has a shape that depends on the values of a tensor, which the tensor layer
 * must then read synchronously (src/ops/indexing.ts), or undefined. webgpu cannot, and refuses
 * those ops with an error that says what to do instead; their argument checks, which come first,
 * still run there.
 */
function shapeFromValues(c: Case): string | undefined {
  if (isError(c.expected)) return undefined;
  const items = c.op === 'index' ? c.args : c.op === 'indexPut_' ? (c.args[0] as unknown[]) : [];
  if (items.some((a) => isInput(a) && c.inputs[a.input].dtype === 'bool') && (c.op === 'index' || !writesAlongMask(c))) {
    return 'webgpu: a bool mask index picks one element per true element (nonzero), a shape only a synchronous read can tell';
  }
  if (c.op === 'oneHot' && (c.args[0] ?? -1) === -1) return 'webgpu: oneHot without numClasses has the largest label + 1 classes, a shape only a synchronous read can tell';
  return undefined;
}

const isInput = (a: unknown): a is { input: number } => a !== null && typeof a === 'object' && 'input' in a;

/**
 * Whether an indexPut_ through a bool mask writes the same value at every true element: the mask
 * is its only tensor item, and the value's dim facing the count of true elements is 1 or missing.
 * Then it is a `where` over the masked dims (src/ops/indexing.ts), with no count to read.
 */
function writesAlongMask(c: Case): boolean {
  const [items, value] = c.args as [unknown[], unknown];
  const mask = items.findIndex(isInput);
  if (items.filter(isInput).length !== 1) return false;
  if (!isInput(value)) return true;
  // the dims of x after the mask's: those of the items after it, and the ones no item names unless '...' stands before it
  const used = (a: unknown) => (a === null || a === '...' ? 0 : isInput(a) ? Math.max(c.inputs[a.input].shape.length, 1) : 1);
  const sum = (list: unknown[]) => list.reduce<number>((n, a) => n + used(a), 0);
  const unnamed = makeInput(c.inputs[0], 'js').ndim - sum(items);
  const after = sum(items.slice(mask + 1)) + (items.indexOf('...') >= 0 && items.indexOf('...') < mask ? 0 : unnamed);
  const valueShape = makeInput(c.inputs[value.input], 'js').shape;
  const facing = valueShape.length - after - 1;
  return facing < 0 || valueShape[facing] === 1;
}

const isError = (e: Expected): e is ErrorResult => typeof e === 'object' && e !== null && 'error' in e;


// ---- fixture format (see tools/fixtures_ops.py) -----------------------------------------------

export type Num = number | boolean | 'nan' | 'inf' | '-inf';
type ViewStep =
  | ['transpose', number, number]
  | ['permute', number[]]
  | ['slice', number, number | null, number | null, number]
  | ['expand', number[]];
export interface TensorSpec {
  data: Num[];
  shape: number[];
  dtype: DType;
  view?: ViewStep[];
}
export interface TensorResult {
  shape: number[];
  dtype: DType;
  data: Num[];
}
export interface ErrorResult {
  error: string;
  message: string;
  /** The same message as a newer PyTorch words it (the fixture's torch is 1.13); either passes. */
  message_alternatives?: string[];
}
export interface MaxMinResult {
  values: TensorResult;
  indices: TensorResult;
}
export type Expected = TensorResult | TensorResult[] | MaxMinResult | ErrorResult | Num;
type OneOrMany<T> = T | T[];
export interface Case {
  name: string;
  op: string;
  inputs: TensorSpec[];
  args: unknown[];
  kwargs: Record<string, unknown>;
  expected: Expected;
  signed_zero?: boolean;
  /** float32 absolute tolerance for this case, where sums of products cancel (random-float matmul). */
  atol?: number;
  /** The seeded upstream gradient: one per output for split/chunk, of `values` for max/min(dim). */
  upstream?: OneOrMany<TensorResult>;
  /** PyTorch's gradient of each input's base tensor (before its view steps); null: none. */
  grads?: (TensorResult | null)[];
  /** PyTorch's `type(out.grad_fn).__name__` (null: the output is a leaf), one per output for split/chunk. */
  gradFn?: OneOrMany<string | null>;
  /** PyTorch gives no gradient although float inputs require grad: Kindling's result must not require grad. */
  no_grad?: boolean;
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8')) as { cases: Case[] };

const decodeNum = (v: Num): number | boolean =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;

/** Decodes args/kwargs: "nan"/"inf"/"-inf" become numbers, `{ input: k }` becomes inputs[k]. */
function decodeArgs(a: unknown, inputs: Tensor[]): any {
  if (Array.isArray(a)) return a.map((x) => decodeArgs(x, inputs));
  if (a === 'nan' || a === 'inf' || a === '-inf') return decodeNum(a);
  if (a !== null && typeof a === 'object') {
    const entries = Object.entries(a);
    if (entries.length === 1 && entries[0][0] === 'input') return inputs[entries[0][1] as number];
    return Object.fromEntries(entries.map(([k, v]) => [k, decodeArgs(v, inputs)]));
  }
  return a;
}

/** Builds an input: a contiguous tensor from the flat data, then the view steps (non-contiguous inputs). */
function makeInput(spec: TensorSpec, device: Device): Tensor {
  return applyView(makeBase(spec, device), spec);
}

/** The contiguous tensor a spec starts from (the leaf whose gradient the fixture records). */
function makeBase(spec: { data: Num[]; shape: number[]; dtype: DType }, device: Device, requiresGrad = false): Tensor {
  const values = spec.data.map((v) => Number(decodeNum(v)));
  const array =
    spec.dtype === 'float32' ? Float32Array.from(values)
    : spec.dtype === 'float64' ? Float64Array.from(values)
    : spec.dtype === 'int32' ? Int32Array.from(values)
    : Uint8Array.from(values);
  return torch.tensor(array, { dtype: spec.dtype, shape: spec.shape, device, ...(requiresGrad ? { requiresGrad } : {}) });
}

/** The spec's view steps applied to `t`. */
function applyView(t: Tensor, spec: TensorSpec): Tensor {
  for (const step of spec.view ?? []) {
    switch (step[0]) {
      case 'transpose':
        t = t.transpose(step[1], step[2]);
        break;
      case 'permute':
        t = t.permute(...step[1]);
        break;
      case 'slice': {
        const [, dim, start, stop, by] = step;
        t = t.index(...new Array<string>(dim).fill(':'), `${start ?? ''}:${stop ?? ''}:${by}`);
        break;
      }
      case 'expand':
        t = t.expand(...step[1]);
        break;
    }
  }
  return t;
}

// ---- the Kindling side of the op table (tools/fixtures_ops.py has the torch side, entry for entry)
// inputs: the case's tensors; a: its decoded args; kw: its kwargs. A binary op's second operand is
// inputs[1] or, when the case has one input, the number a[0].

export type OpFn = (inputs: Tensor[], a: any[], kw: any, device: Device) => unknown;
const opts = (kw: Record<string, unknown>) => (Object.keys(kw).length ? kw : undefined);

export const ops: Record<string, OpFn> = {
  // creation (kwargs: { dtype }; the device under test is added)
  tensor: (_, [data], kw, device) => torch.tensor(data, { ...kw, device }),
  zeros: (_, [shape], kw, device) => torch.zeros(shape, { ...kw, device }),
  ones: (_, [shape], kw, device) => torch.ones(shape, { ...kw, device }),
  full: (_, [shape, value], kw, device) => torch.full(shape, value, { ...kw, device }),
  eye: (_, [n, m], kw, device) => torch.eye(n, m, { ...kw, device }),
  arange: (_, a, kw, device) => (torch.arange as (...args: unknown[]) => Tensor)(...a, { ...kw, device }),
  linspace: (_, [start, end, steps], kw, device) => torch.linspace(start, end, steps, { ...kw, device }),
  zerosLike: ([x], _, kw) => torch.zerosLike(x, opts(kw)),
  onesLike: ([x], _, kw) => torch.onesLike(x, opts(kw)),
  fullLike: ([x], [value], kw) => torch.fullLike(x, value, opts(kw)),
  // elementwise, one argument
  neg: ([x]) => x.neg(),
  abs: ([x]) => x.abs(),
  exp: ([x]) => x.exp(),
  log: ([x]) => x.log(),
  sqrt: ([x]) => x.sqrt(),
  rsqrt: ([x]) => x.rsqrt(),
  sin: ([x]) => x.sin(),
  cos: ([x]) => x.cos(),
  tanh: ([x]) => x.tanh(),
  sigmoid: ([x]) => x.sigmoid(),
  relu: ([x]) => x.relu(),
  sign: ([x]) => x.sign(),
  floor: ([x]) => x.floor(),
  ceil: ([x]) => x.ceil(),
  round: ([x]) => x.round(),
  trunc: ([x]) => x.trunc(),
  logicalNot: ([x]) => x.logicalNot(),
  clamp: ([x], [min, max]) => x.clamp(min, max),
  // elementwise, two arguments
  add: ([x, y], a, kw) => x.add(y ?? a[0], opts(kw)),
  sub: ([x, y], a, kw) => x.sub(y ?? a[0], opts(kw)),
  mul: ([x, y], a) => x.mul(y ?? a[0]),
  div: ([x, y], a) => x.div(y ?? a[0]),
  pow: ([x, y], a) => x.pow(y ?? a[0]),
  maximum: ([x, y]) => x.maximum(y),
  minimum: ([x, y]) => x.minimum(y),
  eq: ([x, y], a) => x.eq(y ?? a[0]),
  ne: ([x, y], a) => x.ne(y ?? a[0]),
  lt: ([x, y], a) => x.lt(y ?? a[0]),
  le: ([x, y], a) => x.le(y ?? a[0]),
  gt: ([x, y], a) => x.gt(y ?? a[0]),
  ge: ([x, y], a) => x.ge(y ?? a[0]),
  floorDivide: ([x, y], a) => x.floorDivide(y ?? a[0]),
  remainder: ([x, y], a) => x.remainder(y ?? a[0]),
  logicalAnd: ([x, y]) => x.logicalAnd(y),
  logicalOr: ([x, y]) => x.logicalOr(y),
  // linear algebra
  matmul: ([x, y]) => x.matmul(y),
  mm: ([x, y]) => x.mm(y),
  bmm: ([x, y]) => x.bmm(y),
  dot: ([x, y]) => x.dot(y),
  outer: ([x, y]) => x.outer(y),
  // reductions: a = [dim?, keepdim?]; dim may be a number, a list or null
  sum: ([x], [dim, keepdim]) => x.sum(dim, keepdim),
  mean: ([x], [dim, keepdim]) => x.mean(dim, keepdim),
  prod: ([x], [dim, keepdim]) => x.prod(dim, keepdim),
  amax: ([x], [dim, keepdim]) => x.amax(dim, keepdim),
  amin: ([x], [dim, keepdim]) => x.amin(dim, keepdim),
  argmax: ([x], [dim, keepdim]) => x.argmax(dim, keepdim),
  argmin: ([x], [dim, keepdim]) => x.argmin(dim, keepdim),
  logsumexp: ([x], [dim, keepdim]) => x.logsumexp(dim, keepdim),
  var: ([x], [dim, keepdim], kw) => x.var(dim, keepdim, opts(kw)),
  std: ([x], [dim, keepdim], kw) => x.std(dim, keepdim, opts(kw)),
  max: ([x, y], [dim, keepdim]) => (y ? x.max(y) : dim === undefined ? x.max() : x.max(dim, keepdim)),
  min: ([x, y], [dim, keepdim]) => (y ? x.min(y) : dim === undefined ? x.min() : x.min(dim, keepdim)),
  softmax: ([x], [dim]) => x.softmax(dim),
  logSoftmax: ([x], [dim]) => x.logSoftmax(dim),
  // views
  reshape: ([x], [shape]) => x.reshape(shape),
  view: ([x], [shape]) => x.view(shape),
  flatten: ([x], [start, end]) => x.flatten(start, end),
  unflatten: ([x], [dim, sizes]) => x.unflatten(dim, sizes),
  squeeze: ([x], [dim]) => x.squeeze(dim),
  unsqueeze: ([x], [dim]) => x.unsqueeze(dim),
  permute: ([x], dims) => x.permute(...dims),
  transpose: ([x], [d0, d1]) => x.transpose(d0, d1),
  t: ([x]) => x.t(),
  expand: ([x], sizes) => x.expand(...sizes),
  contiguous: ([x]) => x.contiguous(),
  clone: ([x]) => x.clone(),
  // indexing: index items are numbers, slice strings, '...', null (new axis) or tensors
  index: ([x], items) => x.index(...items),
  indexPut_: ([x], [items, value]) => (x.indexPut_(items, value), x),
  gather: ([x], [dim, index]) => x.gather(dim, index),
  scatter: ([x], [dim, index, src]) => x.scatter(dim, index, src),
  indexSelect: ([x], [dim, index]) => x.indexSelect(dim, index),
  maskedFill: ([x], [mask, value]) => x.maskedFill(mask, value),
  // joining and splitting
  cat: (inputs, [dim]) => torch.cat(inputs, dim),
  stack: (inputs, [dim]) => torch.stack(inputs, dim),
  where: ([cond], [a, b]) => torch.where(cond, a, b),
  split: ([x], [sizes, dim]) => x.split(sizes, dim),
  chunk: ([x], [n, dim]) => x.chunk(n, dim),
  oneHot: ([x], [numClasses]) => torch.oneHot(x, numClasses),
  // conversion
  to: ([x], [dtype]) => x.to(dtype),
  item: ([x], _, __, device) => (device === 'webgpu' ? x.itemAsync() : x.item()),
};

// ---- comparison -------------------------------------------------------------------------------

type Tolerances = Record<string, [rtol: number, atol: number]>;
const TOL: Tolerances = { float32: [1e-5, 1e-6], float64: [1e-12, 1e-12] };
/** Gradients: one more chain-rule product and a sum per broadcast dim, so more rounding than values. */
const GRAD_TOL: Tolerances = { float32: [1e-4, 1e-5], float64: [1e-10, 1e-10] };

/** Why `actual` isn't `expected` (one element), or undefined when it matches. */
function mismatch(
  actual: unknown,
  expected: number | boolean,
  dtype: string,
  signedZero: boolean,
  atol?: number,
  tolerances: Tolerances = TOL,
): string | undefined {
  const a = Number(actual);
  const e = Number(expected);
  if (typeof actual !== 'number' && typeof actual !== 'boolean') return `not a number: ${String(actual)}`;
  const tol = tolerances[dtype];
  if (!tol) return a === e ? undefined : 'differs';
  if (Number.isNaN(e)) return Number.isNaN(a) ? undefined : 'expected NaN';
  if (!Number.isFinite(e)) return a === e ? undefined : 'differs';
  const [rtol, defaultAtol] = tol;
  if (!(Math.abs(a - e) <= (dtype === 'float32' ? (atol ?? defaultAtol) : defaultAtol) + rtol * Math.abs(e))) return 'differs';
  if (signedZero && a === 0 && e === 0 && Object.is(a, -0) !== Object.is(e, -0)) return 'sign of zero differs';
  return undefined;
}

/**
 * `grad`: compare as a gradient, with GRAD_TOL for `gradDtype` (the precision it was computed in)
 * and `accepted` values replacing PyTorch's at some positions (see GRAD_ACCEPTED).
 */
async function checkTensor(
  actual: unknown,
  expected: TensorResult,
  c: Case,
  what: string,
  grad?: { gradDtype: DType; accepted?: Map<number, number> },
): Promise<void> {
  const signedZero = !grad && c.signed_zero === true;
  expect(actual, `${what} should be a Tensor`).toBeInstanceOf(torch.Tensor);
  const t = actual as Tensor;
  expect([...t.shape], `${what} shape`).toEqual(expected.shape);
  expect(t.dtype, `${what} dtype`).toBe(expected.dtype);
  const values: unknown[] = Array.from(await t.data());
  expect(values.length, `${what} number of values`).toBe(expected.data.length);
  const bad: string[] = [];
  expected.data.forEach((raw, i) => {
    const e = grad?.accepted?.get(i) ?? decodeNum(raw);
    const why = grad ? mismatch(values[i], e, grad.gradDtype, false, undefined, GRAD_TOL) : mismatch(values[i], e, expected.dtype, signedZero, c.atol);
    if (why) bad.push(`[${i}] expected ${Object.is(e, -0) ? '-0' : String(e)}, got ${Object.is(values[i], -0) ? '-0' : String(values[i])} (${why})`);
  });
  const shown = bad.slice(0, 8).join('; ') + (bad.length > 8 ? '; ...' : '');
  expect(bad.length, `${what} values, ${bad.length} of ${expected.data.length} wrong: ${shown}`).toBe(0);
}

async function checkResult(actual: unknown, expected: Expected, c: Case): Promise<void> {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), 'result should be an array of tensors').toBe(true);
    const list = actual as unknown[];
    expect(list.length, 'number of tensors').toBe(expected.length);
    for (const [i, e] of expected.entries()) await checkTensor(list[i], e, c, `result[${i}]`);
  } else if (typeof expected === 'object' && 'values' in expected) {
    const r = actual as { values: unknown; indices: unknown };
    expect(r, 'result should be { values, indices }').toHaveProperty('values');
    await checkTensor(r.values, expected.values, c, 'values');
    await checkTensor(r.indices, expected.indices, c, 'indices');
  } else if (typeof expected === 'object') {
    await checkTensor(actual, expected as TensorResult, c, 'result');
  } else if (typeof expected === 'boolean') {
    // Kindling's item() is always a number: PyTorch's True/False are 1/0
    expect(actual, 'scalar result').toBe(expected ? 1 : 0);
  } else {
    const dtype = c.inputs[0]?.dtype ?? 'float64';
    const why = mismatch(actual, decodeNum(expected), dtype === 'float32' ? 'float32' : 'float64', c.signed_zero === true);
    expect(why, `scalar result ${String(actual)}, expected ${String(expected)}`).toBeUndefined();
  }
}

/**
 * Whether a device's kernels report bad values (an index out of bounds, an integer division by
 * zero) at the next read rather than throw at the call: webgpu's, as CUDA's device-side asserts do.
 */
const defersErrors = (device: Device): boolean => device === 'webgpu';

/** Reads every tensor of a result, so that an error a kernel reported is thrown inside the error check. */
async function materialize(r: unknown): Promise<void> {
  if (r instanceof torch.Tensor) await r.data();
  else if (Array.isArray(r)) for (const x of r) await materialize(x);
  else if (r !== null && typeof r === 'object' && 'values' in r) await materialize((r as MaxMinResult).values);
}

/** A result for a failure message (a webgpu tensor cannot be printed synchronously). */
const describeResult = (r: unknown): string => (r instanceof torch.Tensor && r.device === 'webgpu' ? `a webgpu tensor of shape [${r.shape}]` : String(r));

const snapshot = (inputs: Tensor[]) => Promise.all(inputs.map(async (t) => Array.from(await t.data())));

export async function runCase(c: Case, device: Device): Promise<void> {
  const fn = ops[c.op];
  expect(fn, `no entry for op '${c.op}' in the runner's op table`).toBeDefined();
  const inputs = c.inputs.map((s) => makeInput(s, device));
  const args = decodeArgs(c.args, inputs) as unknown[];
  const kwargs = decodeArgs(c.kwargs, inputs) as Record<string, unknown>;
  const expected = c.expected;
  if (isError(expected)) {
    // an error an earlier case left unread would be thrown by this case's read: read it out first
    if (defersErrors(device)) await snapshot(inputs);
    let thrown: unknown;
    let result: unknown;
    try {
      result = await fn(inputs, args, kwargs, device);
      // js and wasm throw at the call, as PyTorch does on the CPU; webgpu may throw at the next read
      if (defersErrors(device)) await materialize(result);
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `should throw (PyTorch: ${expected.error}: ${expected.message}); returned ${describeResult(result)}`).toBeInstanceOf(Error);
    const message = (thrown as Error).message;
    const wanted = [expected.message, ...(expected.message_alternatives ?? [])];
    expect(
      wanted.some((m) => message.includes(m)),
      `Kindling's message: ${message}\nshould contain PyTorch's: ${wanted.map((m) => JSON.stringify(m)).join(' or ')}`,
    ).toBe(true);
    return;
  }
  const before = c.op === 'indexPut_' ? undefined : await snapshot(inputs);
  const result = await fn(inputs, args, kwargs, device);
  await checkResult(result, expected, c);
  if (before) expect(await snapshot(inputs), 'inputs must not change').toEqual(before);
}

// ---- gradients ----------------------------------------------------------------------------------

const GRAD_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64']);
/** Ops that write into inputs[0]: they run on a clone, since a leaf that requires grad can't be written. */
const INPLACE: ReadonlySet<string> = new Set(['indexPut_']);

/**
 * `gradFn.name` differences from PyTorch 1.13 that are accepted: `op: { PyTorch's name: Kindling's }`.
 * - reshape/flatten: 1.13 records a viewable reshape as `_reshape_alias` (ReshapeAliasBackward0);
 *   PyTorch 2.x records the same view as ViewBackward0, which Kindling uses. A version artefact.
 * - matmul of a matrix by a batch: PyTorch folds the batch into one mm and copies the transposed
 *   result back (`.mT().contiguous()`, CloneBackward0) when its should_fold heuristic (requires_grad,
 *   strides) picks that path, in 1.13 and 2.x alike; Kindling names every batched product
 *   UnsafeViewBackward0, as PyTorch's unfolded path does. An implementation-path artefact.
 * - indexPut_ with only '...' (`x[...] = v`): PyTorch runs `x.copy_(v)` (CopyBackwards; FillBackward3
 *   for a number into a non-0-d x), not an index_put; Kindling's indexPut_ records IndexPutBackward0.
 */
const GRAD_FN_ALLOWED: Record<string, Record<string, string>> = {
  reshape: { ReshapeAliasBackward0: 'ViewBackward0' },
  flatten: { ReshapeAliasBackward0: 'ViewBackward0' },
  matmul: { CloneBackward0: 'UnsafeViewBackward0' },
  indexPut_: { CopyBackwards: 'IndexPutBackward0' },
};

/**
 * Gradient values where PyTorch 1.13 is not followed, by case name: `[input, element, Kindling's value]`.
 * - var of a 0-d tensor (n = 1 = correction, so dof = 0): 1.13 gives g·inf; PyTorch 2.x gives
 *   g·where(x == mean, NaN, inf) = NaN (its var_backward for dof <= 0), as Kindling's 2/dof·g·(x - mean) does.
 * - pow(x, 0.5) at x = -0: PyTorch computes the derivative's x^(-0.5) as rsqrt(-0) = -inf, IEEE pow
 *   (and Kindling) gives +inf: the gradient's infinity has the other sign.
 */
const GRAD_ACCEPTED: Record<string, [input: number, element: number, value: number][]> = {
  'var all f32[]': [[0, 0, NaN]],
  'var f32[] args=[0,false]': [[0, 0, NaN]],
  'var f32[] args=[-1,true]': [[0, 0, NaN]],
  'pow negative base fractional power f32[5] args=[0.5]': [[0, 3, Infinity]],
};

/** What Kindling refuses by design (see checkInplace in src/ops/creation.ts): an in-place write into a view of a tensor whose gradient is recorded. */
const VIEW_WRITE_REFUSED = 'in-place write into a view of a tensor whose gradient is recorded';

/** The outputs a case backpropagates through: the tensor, the pieces of split/chunk, or max/min(dim)'s values. */
function gradOutputs(result: unknown): Tensor[] {
  if (result instanceof torch.Tensor) return [result];
  if (Array.isArray(result)) return result as Tensor[];
  if (result !== null && typeof result === 'object' && 'values' in result) return [(result as { values: Tensor }).values];
  return [];
}

/**
 * How the gradFn name is checked: `expect.soft` in the suite (the gradients are checked too, so a
 * name alone does not stop the test); the docs' coverage run, outside a test, passes `expect`.
 */
export type SoftExpect = typeof expect.soft;

function checkGradFnName(c: Case, out: Tensor, expected: string | null, what: string, soft: SoftExpect): void {
  const actual = out.gradFn?.name ?? null;
  const accepted = expected === null ? expected : (GRAD_FN_ALLOWED[c.op]?.[expected] ?? expected);
  soft(actual, `${what}.gradFn.name (PyTorch 1.13: ${String(expected)})`).toBe(accepted);
}

export async function runGradCase(c: Case, device: Device, soft: SoftExpect = expect.soft): Promise<void> {
  const fn = ops[c.op];
  // the leaves: float inputs require grad before their view steps
  const leaves = c.inputs.map((s) => makeBase(s, device, GRAD_DTYPES.has(s.dtype)));
  const inputs = c.inputs.map((s, i) => applyView(i === 0 && INPLACE.has(c.op) && leaves[i].requiresGrad ? leaves[i].clone() : leaves[i], s));
  const args = decodeArgs(c.args, inputs) as unknown[];
  const kwargs = decodeArgs(c.kwargs, inputs) as Record<string, unknown>;
  if (INPLACE.has(c.op) && c.inputs[0].view && !c.no_grad) {
    // PyTorch rewrites the base's history (CopySlices); Kindling refuses the write instead
    expect(() => fn(inputs, args, kwargs, device), 'an in-place write into a view of a recorded tensor').toThrow(VIEW_WRITE_REFUSED);
    return;
  }
  const result = await fn(inputs, args, kwargs, device);
  await checkResult(result, c.expected, c); // the values again, now with autograd recording
  const outs = gradOutputs(result);
  if (c.no_grad) {
    outs.forEach((o, k) => expect(o.requiresGrad, `result ${k} should not require grad (PyTorch gives no gradient)`).toBe(false));
    return;
  }
  const upstream = c.upstream!;
  const multi = Array.isArray(upstream);
  const seeds = (multi ? upstream : [upstream]).map((u) => makeBase(u, device));
  expect(outs.length, 'number of outputs').toBe(seeds.length);
  const names = multi ? (c.gradFn as (string | null)[]) : [c.gradFn as string | null];
  outs.forEach((o, k) => checkGradFnName(c, o, names[k], multi ? `result[${k}]` : 'result', soft));

  const wanted = leaves.filter((l) => l.requiresGrad);
  let got: (Tensor | null)[];
  if (multi) {
    got = torch.autograd.grad(outs, wanted, { gradOutputs: seeds, allowUnused: true });
  } else {
    outs[0].backward(seeds[0]);
    got = wanted.map((l) => l.grad);
  }
  const grads = new Map(wanted.map((l, k) => [l, got[k]]));
  // a gradient that flowed through a float32 result was computed in float32 (PyTorch casts it to a
  // float64 input's dtype only at the end), so it is only as precise as float32
  const throughFloat32 = outs.some((o) => o.dtype === 'float32');
  for (const [i, expected] of c.grads!.entries()) {
    const actual = grads.get(leaves[i]) ?? null;
    if (expected === null) {
      expect(actual, `input ${i} should get no gradient`).toBeNull();
    } else {
      expect(actual, `input ${i} should get a gradient`).not.toBeNull();
      const accepted = new Map((GRAD_ACCEPTED[c.name] ?? []).filter(([k]) => k === i).map(([, e, v]) => [e, v]));
      const gradDtype = throughFloat32 ? 'float32' : expected.dtype;
      await checkTensor(actual, expected, c, `grad of input ${i}`, { gradDtype, accepted });
    }
  }
}
