/**
 * The PyTorch → Kindling name table, generated from Kindling's exports.
 *
 * Every public function, class and namespace (tools/docs/api.ts), and the members of the classes a
 * tutorial calls methods on (Tensor, nn.Module, the optimizer, the scheduler, Dataset,
 * DataLoader), gets a row. Its PyTorch name comes from a rule: the namespace maps to PyTorch's
 * (`nn.functional` → `torch.nn.functional`, `data` → `torch.utils.data`, `transforms` →
 * `torchvision.transforms`) and camelCase becomes snake_case (`onesLike` → `ones_like`,
 * `stateDict` → `state_dict`). The few names the rule gets wrong, and Kindling's own names with no
 * PyTorch twin, are in EXCEPTIONS; Python syntax with no name to derive (`x[...]`, `a @ b`,
 * `with torch.no_grad():`) is in SYNTAX.
 *
 * Each row is checked against the library itself, imported from src/index.ts: the function,
 * class or method must exist (a member on the class's prototype, a field on an instance), and every
 * exception must still name an export. A row that does not resolve fails the build.
 */
import * as torch from '../../src/index.js';
import type { Api, ApiEntry } from './api.js';
import { escapeHtml, page } from './html.js';
import { inline } from './markdown.js';

export interface NameRow {
  /** The section the row is listed in. */
  section: string;
  /** PyTorch's spelling, or null where PyTorch has no counterpart. */
  pytorch: string | null;
  /** Kindling's spelling, as code: `torch.onesLike`, `x.indexSelect`, `model.stateDict`. */
  kindling: string;
  /** What the row resolves to in Kindling: a path under `torch` (`nn.Linear`), `Class#member`. */
  ref: string;
  /** The row's page in the API reference. */
  url?: string;
  note?: string;
}

/** PyTorch's module for each Kindling namespace. */
const NAMESPACES: Record<string, string> = {
  '': 'torch',
  nn: 'torch.nn',
  'nn.functional': 'torch.nn.functional',
  'nn.init': 'torch.nn.init',
  optim: 'torch.optim',
  'optim.lrScheduler': 'torch.optim.lr_scheduler',
  data: 'torch.utils.data',
  'data.datasets': 'torchvision.datasets',
  'data.utils': 'torchvision.utils',
  transforms: 'torchvision.transforms',
  autograd: 'torch.autograd',
};

/** The section each namespace's rows are listed in. */
const SECTIONS: Record<string, string> = {
  '': 'torch',
  nn: 'torch.nn',
  'nn.functional': 'torch.nn',
  'nn.init': 'torch.nn',
  optim: 'torch.optim',
  'optim.lrScheduler': 'torch.optim',
  data: 'torch.utils.data and torchvision.datasets',
  'data.datasets': 'torch.utils.data and torchvision.datasets',
  'data.utils': 'torch.utils.data and torchvision.datasets',
  transforms: 'torchvision.transforms',
  autograd: 'torch.autograd',
};

/** Classes whose members get rows, with the name a tutorial gives an instance (the same in both languages). */
const MEMBERS_OF: Record<string, { section: string; variable: string }> = {
  Tensor: { section: 'Tensor methods and attributes', variable: 'x' },
  'nn.Module': { section: 'torch.nn', variable: 'model' },
  'optim.Optimizer': { section: 'torch.optim', variable: 'optimizer' },
  'optim.lrScheduler.LRScheduler': { section: 'torch.optim', variable: 'scheduler' },
  'data.Dataset': { section: 'torch.utils.data and torchvision.datasets', variable: 'dataset' },
  'data.DataLoader': { section: 'torch.utils.data and torchvision.datasets', variable: 'loader' },
};

/** snake_case from camelCase: `onesLike` → `ones_like`, `requiresGrad_` → `requires_grad_`, `T` stays. */
export const snakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}_${b.toLowerCase()}`);

/**
 * Where the rule is wrong: Kindling's ref → PyTorch's name (null: Kindling only) and a note.
 * Each key must name an export or member that exists.
 */
const EXCEPTIONS: Record<string, { pytorch: string | null; note?: string }> = {
  fromTypedArray: { pytorch: 'torch.from_numpy', note: 'a typed array (`Float32Array`, …) and its shape; shares memory on `js`' },
  index: { pytorch: 'x[...]', note: 'the function form of `x.index(...)`' },
  oneHot: { pytorch: 'torch.nn.functional.one_hot' },
  var: { pytorch: 'torch.var', note: '`var` is a reserved word: `import { var as variance }` to import it by name' },
  dtypes: { pytorch: null, note: "the dtype names `'bool'`, `'int32'`, `'float32'`, `'float64'` (PyTorch's `torch.float32`, …)" },
  devices: { pytorch: null, note: "the device names `'js'`, `'wasm'`, `'webgpu'` (PyTorch's `cpu`, `cuda`, `mps`)" },
  init: { pytorch: null, note: 'prepares a device (loads WebAssembly, asks for a GPU): `await torch.init(device)`' },
  isAvailable: { pytorch: 'torch.cuda.is_available', note: "`torch.isAvailable('webgpu')`" },
  bestDevice: { pytorch: 'torch.accelerator.current_accelerator', note: "the fastest device here, or `'js'`" },
  registerBackend: { pytorch: null, note: 'plumbing for backend modules' },
  noGrad: { pytorch: 'torch.no_grad', note: 'takes a function: `torch.noGrad(() => …)` for `with torch.no_grad():`' },
  enableGrad: { pytorch: 'torch.enable_grad', note: 'takes a function, like `noGrad`' },
  save: { pytorch: 'torch.save', note: 'writes safetensors; takes a state dict, not a model' },
  load: { pytorch: 'torch.load', note: 'reads safetensors' },
  'nn.toSnakeCase': { pytorch: null, note: "Kindling's camelCase attribute names as PyTorch's state-dict names" },
  'nn.init.calculateFanInAndFanOut': { pytorch: 'torch.nn.init._calculate_fan_in_and_fan_out' },
  'data.utils.readImage': { pytorch: 'torchvision.io.read_image' },
  'data.utils.saveImage': { pytorch: 'torchvision.utils.save_image' },
  'data.utils.saveImageGrid': { pytorch: 'torchvision.utils.make_grid', note: 'and saves it: `save_image(make_grid(images))`' },
  'data.utils.showImage': { pytorch: 'matplotlib.pyplot.imshow', note: 'draws the image in the terminal' },
  'data.utils.renderImage': { pytorch: null, note: 'the terminal drawing of `showImage`, as a string' },
  'autograd.toDot': { pytorch: null, note: "the graph in Graphviz's DOT language, as torchviz's `make_dot` draws it" },
  'autograd.Node': { pytorch: 'torch.autograd.graph.Node' },
  'Tensor#toTypedArray': { pytorch: 'x.numpy', note: 'shares memory on `js`, as `numpy()` does on the CPU' },
  'Tensor#data': { pytorch: 'x.cpu().numpy()', note: "`await x.data()`: the values as a typed array, on every device (PyTorch's `x.data` is another thing)" },
  'Tensor#itemAsync': { pytorch: 'x.item', note: '`await x.itemAsync()` works on webgpu too' },
  'Tensor#toString': { pytorch: 'print(x)', note: '`console.log(x)` or `${x}`' },
  'Tensor#dispose': { pytorch: 'del x', note: 'optional: memory comes back anyway once a tensor is unreachable' },
  'Tensor#index': { pytorch: 'x[...]', note: "`x[:, 1]` is `x.index(':', 1)`, `x[..., -1]` is `x.index('...', -1)`" },
  'Tensor#indexPut_': { pytorch: 'x[...] = v', note: "`x[:, 1] = 0` is `x.indexPut_([':', 1], 0)`" },
  'Tensor#shape': { pytorch: 'x.shape', note: 'a plain array, not a `torch.Size`' },
  'Tensor#dtype': { pytorch: 'x.dtype', note: "a string: `'float32'`" },
  'Tensor#device': { pytorch: 'x.device', note: "a string: `'js'`, `'wasm'` or `'webgpu'`" },
  'nn.Module#toString': { pytorch: 'print(model)', note: '`console.log(String(model))` prints the same tree' },
  'optim.Optimizer#toString': { pytorch: 'print(optimizer)' },
  'data.Dataset#getItem': { pytorch: 'dataset[i]', note: '`__getitem__`' },
  'data.Dataset#length': { pytorch: 'len(dataset)', note: '`__len__`' },
  'data.DataLoader#length': { pytorch: 'len(loader)' },
  'data.DataLoader#workerDataset': { pytorch: null, note: 'a recipe that rebuilds the dataset in each worker thread' },
};

/** Python syntax with no name to derive from: [PyTorch, Kindling, ref, note]. */
const SYNTAX: [string, string, string, string?][] = [
  ['import torch', "import * as torch from 'kindling'", 'tensor'],
  ['a + b, a - b', 'a.add(b), a.sub(b)', 'Tensor#add', 'no operator overloading in TypeScript'],
  ['a * b, a / b', 'a.mul(b), a.div(b)', 'Tensor#mul'],
  ['a // b, a % b, a ** b', 'a.floorDivide(b), a.remainder(b), a.pow(b)', 'Tensor#floorDivide'],
  ['a @ b', 'a.matmul(b)', 'Tensor#matmul'],
  ['-a', 'a.neg()', 'Tensor#neg'],
  ['a == b, a != b', 'a.eq(b), a.ne(b)', 'Tensor#eq', 'elementwise, as in PyTorch'],
  ['a < b, a <= b, a > b, a >= b', 'a.lt(b), a.le(b), a.gt(b), a.ge(b)', 'Tensor#lt'],
  ['a & b, a | b, ~a', 'a.logicalAnd(b), a.logicalOr(b), a.logicalNot()', 'Tensor#logicalAnd', 'on bool tensors'],
  ['a += b', 'a.add_(b)', 'Tensor#add_'],
  ['x[:, 1]', "x.index(':', 1)", 'Tensor#index'],
  ['x[:, 1] = 0', "x.indexPut_([':', 1], 0)", 'Tensor#indexPut_'],
  ['with torch.no_grad():', 'torch.noGrad(() => { … })', 'noGrad'],
  ['torch.float32', "'float32'", 'dtypes', 'dtypes are strings'],
  ["x.to('cuda')", "x.to('webgpu')", 'Tensor#to', "after `await torch.init('webgpu')`"],
  ['torch.tensor([1.0, 2.0])', "torch.tensor([1, 2], { dtype: 'float32' })", 'tensor', 'whole numbers infer int32: JavaScript has no `1.0`'],
  ['f(x, dtype=torch.float64)', "f(x, { dtype: 'float64' })", 'zerosLike', 'keyword arguments go in an options object at the end'],
  ['model(X)', 'model(X)', 'nn.Module', 'modules are callable'],
  ['for X, y in loader:', 'for (const [X, y] of loader)', 'data.DataLoader'],
];

/** An instance of a class, for checking its fields (which live on instances, not prototypes). */
function sampleInstance(path: string): object | undefined {
  const dataset = () => new torch.data.TensorDataset(torch.zeros([2, 1]));
  const optimizer = () => new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  const samples: Record<string, () => object> = {
    Tensor: () => torch.zeros([1]),
    'nn.Module': () => new torch.nn.Linear(1, 1),
    'optim.Optimizer': optimizer,
    'optim.lrScheduler.LRScheduler': () => new torch.optim.lrScheduler.StepLR(optimizer(), 1),
    'data.Dataset': dataset,
    'data.DataLoader': () => new torch.data.DataLoader(dataset()),
  };
  return samples[path]?.();
}

/** Whether a ref names something that exists in the library: `nn.Linear`, `Tensor#add`. */
export function resolves(ref: string): boolean {
  const [path, member] = ref.split('#');
  let value: unknown = torch;
  for (const part of path.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined) return false;
  if (member === undefined) return true;
  if (typeof value !== 'function') return false;
  const cls = value as { prototype: object };
  if (member in cls || member in cls.prototype) return true;
  const instance = sampleInstance(path);
  return instance !== undefined && member in instance;
}

/** Every row of the table, each checked to resolve; throws naming the rows that do not. */
export function nameRows(api: Api): NameRow[] {
  const rows: NameRow[] = [];
  const used = new Set<string>();
  const namespaceOf = (path: string) => path.split('.').slice(0, -1).join('.');
  const add = (section: string, ref: string, kindling: string, derived: string | null, url?: string) => {
    const exception = EXCEPTIONS[ref];
    if (exception) used.add(ref);
    rows.push({ section, pytorch: exception ? exception.pytorch : derived, kindling, ref, url, note: exception?.note });
  };
  for (const entry of api.entries) {
    if (entry.kind === 'namespace') continue;
    const namespace = namespaceOf(entry.path);
    const name = entry.path.slice(namespace ? namespace.length + 1 : 0);
    const pytorchName = entry.kind === 'class' || /^[A-Z]/.test(name) ? name : snakeCase(name);
    if (!(namespace in NAMESPACES)) throw new Error(`torch.${namespace} is new: add its PyTorch module to NAMESPACES and SECTIONS in tools/docs/names.ts`);
    add(SECTIONS[namespace], entry.path, `torch.${entry.path}`, `${NAMESPACES[namespace]}.${pytorchName}`, entry.url);
    const members = MEMBERS_OF[entry.path];
    if (members) {
      // only the members this class declares (inherited ones are listed under their own class)
      for (const member of ownMembers(entry)) {
        const pytorchName = member.static ? `${NAMESPACES[namespace]}.${name}.${snakeCase(member.name)}` : `${members.variable}.${snakeCase(member.name)}`;
        add(members.section, `${entry.path}#${member.name}`, `${members.variable}.${member.name}`, pytorchName, member.url);
      }
    }
  }
  for (const [pytorch, kindling, ref, note] of SYNTAX) {
    rows.push({ section: 'Python syntax', pytorch, kindling, ref, url: urlOfRef(api, ref), note });
  }
  const unresolved = rows.filter((r) => !resolves(r.ref)).map((r) => `${r.ref} (${r.pytorch ?? 'Kindling only'})`);
  const stale = Object.keys(EXCEPTIONS).filter((ref) => !used.has(ref));
  if (unresolved.length || stale.length) {
    throw new Error(
      `the PyTorch name table does not resolve:${unresolved.length ? `\n  not in Kindling: ${unresolved.join(', ')}` : ''}` +
        `${stale.length ? `\n  EXCEPTIONS naming no export (tools/docs/names.ts): ${stale.join(', ')}` : ''}`,
    );
  }
  return rows;
}

function ownMembers(entry: ApiEntry) {
  const page = entry.url;
  return entry.members.filter((m) => m.url.startsWith(`${page}#`));
}

/** The reference page of a ref (`Tensor#index` → the Tensor page's anchor). */
function urlOfRef(api: Api, ref: string): string | undefined {
  const [path, member] = ref.split('#');
  const entry = api.byPath.get(path);
  if (!entry || member === undefined) return entry?.url;
  return entry.members.find((m) => m.name === member)?.url ?? entry.url;
}

const SECTION_ORDER = [
  'Python syntax',
  'torch',
  'Tensor methods and attributes',
  'torch.nn',
  'torch.optim',
  'torch.utils.data and torchvision.datasets',
  'torchvision.transforms',
  'torch.autograd',
];

/** names.html: one table per section, sorted by PyTorch's name; Kindling's own names last. */
export function namesPage(rows: NameRow[]): string {
  const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
  const row = (r: NameRow) => {
    const kindling = r.url ? `<a href="${r.url}">${code(r.kindling)}</a>` : code(r.kindling);
    return `<tr><td>${r.pytorch === null ? '<span class="muted">—</span>' : code(r.pytorch)}</td><td>${kindling}</td><td>${r.note ? inline(r.note) : ''}</td></tr>`;
  };
  const table = (list: NameRow[]) =>
    `<table class="names">\n<tr><th>PyTorch</th><th>Kindling</th><th>Note</th></tr>\n${list.map(row).join('\n')}\n</table>`;
  const byName = (a: NameRow, b: NameRow) => (a.pytorch ?? '').localeCompare(b.pytorch ?? '');
  const sections = SECTION_ORDER.map((section) => {
    const list = rows.filter((r) => r.section === section && r.pytorch !== null);
    if (section !== 'Python syntax') list.sort(byName);
    return `<h2 id="${section.replace(/[^a-z]+/gi, '-').toLowerCase()}">${escapeHtml(section)}</h2>\n${table(list)}`;
  });
  const own = rows.filter((r) => r.pytorch === null);
  const body = `<h1>PyTorch names in Kindling</h1>
<p>Every public name of Kindling, under the PyTorch name it stands for. The table is generated from
Kindling's exports by a rule, PyTorch's module for each namespace and <code>snake_case</code> for
<code>camelCase</code> (<code>torch.ones_like</code> is <code>torch.onesLike</code>, <code>model.state_dict()</code>
is <code>model.stateDict()</code>), with a short list of exceptions; every row was checked to resolve in the
library when this page was built. ${rows.length} rows.</p>
<p>Contents: ${SECTION_ORDER.map((s) => `<a href="#${s.replace(/[^a-z]+/gi, '-').toLowerCase()}">${escapeHtml(s)}</a>`).join(' · ')} · <a href="#kindling-only">Kindling only</a></p>
${sections.join('\n')}
<h2 id="kindling-only">Kindling only</h2>
<p>Names with no PyTorch counterpart.</p>
${table(own)}`;
  return page('PyTorch names', body);
}
