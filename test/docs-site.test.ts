/**
 * The docs site (`npm run docs`, tools/docs/) builds, into a temporary folder, and says what it
 * should: a page per lesson with the output the lesson printed, a name table whose every row
 * resolves in the library (and, where a Python with torch is at hand, in PyTorch), a coverage
 * matrix generated from the conformance suite with a column per device, and no broken links.
 *
 * To keep this test short, the coverage matrix replays a few ops here; `npm run docs` replays all.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellState } from '../tools/docs/coverage.js';
import { buildSite, type Site } from '../tools/docs/build.js';
import { ansiToHtml, lessonFiles, splitLesson } from '../tools/docs/lessons.js';
import { brokenLinks } from '../tools/docs/links.js';
import { markdown } from '../tools/docs/markdown.js';
import { resolves, snakeCase } from '../tools/docs/names.js';
import { devices } from './devices.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** The ops the matrix replays in this test: float64 on webgpu among them. */
const OPS = ['zeros', 'add', 'matmul', 'sum', 'to', 'index'];

let site: string;
let built: Site;
const read = (file: string) => readFileSync(join(site, file), 'utf8');

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'kindling-docs-'));
  await run(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', join(site, 'api')], { cwd: root });
  built = await buildSite({ root, site, coverage: { devices, ops: OPS } });
}, 600_000);

afterAll(() => {
  if (site) rmSync(site, { recursive: true, force: true });
});

describe('the lesson pages', () => {
  it('has one page per lesson, with its prose, its code and what it printed', () => {
    const files = lessonFiles(root);
    expect(files).toContain('01-tensors.ts');
    expect(built.lessons.map((l) => l.lesson.file)).toEqual(files);
    for (const { lesson, run } of built.lessons) {
      const html = read(lesson.page);
      expect(html, lesson.file).toContain(`<h1>${lesson.title.replace(/&/g, '&amp;')}</h1>`);
      expect(html, lesson.file).toContain('<pre class="code">');
      // every line the lesson printed is on its page (in order, cell by cell)
      const printed = run.outputs.join('').replace(/\u001b\[[\d;]*m/g, '').split('\n').filter((l) => l.trim());
      expect(printed.length, `lessons/${lesson.file} printed nothing`).toBeGreaterThan(0);
      const text = html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      let from = 0;
      for (const line of printed) {
        const at = text.indexOf(line.trimEnd(), from);
        expect(at, `${lesson.page} should show the printed line ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    }
  });

  it("puts each cell's output right after the cell that printed it", () => {
    const html = read('01-tensors.html');
    const code = html.indexOf("'Data type from whole numbers:'</span>");
    const output = html.indexOf('Data type from whole numbers: int32');
    const nextCode = html.indexOf('<pre class="code">', output);
    expect(code).toBeGreaterThan(0);
    expect(output).toBeGreaterThan(code);
    expect(nextCode).toBeGreaterThan(output);
  });

  it('links the names in the code to the API reference', () => {
    const html = read('01-tensors.html');
    expect(html).toContain('<a href="api/functions/tensor.html">tensor</a>');
    expect(html).toContain('href="api/classes/Tensor.html#matmul"');
  });

  it('shows the pictures a lesson writes', () => {
    const html = read('02-datasets.html');
    expect(html).toMatch(/<img src="img\/02-datasets-fashion-mnist-grid\.png"/);
    expect(existsSync(join(site, 'img', '02-datasets-fashion-mnist-grid.png'))).toBe(true);
  });

  it('splits a lesson into prose and code cells', () => {
    const lesson = splitLesson(
      'x.ts',
      [
        '/**',
        ' * Lesson 9: Example.',
        ' *',
        ' * The **intro**.',
        ' */',
        "import * as torch from '../src/index.js';",
        '',
        '// =====',
        '// A heading',
        '// =====',
        '//',
        '// Some prose.',
        'const x = torch.zeros([2]); // stays with the code',
        '/** A doc comment stays with its function. */',
        'function f(): void {',
        '  // so does a comment inside it',
        '}',
        '',
        '// More prose.',
        'console.log(x);',
        '',
        '// The end.',
      ].join('\n'),
    );
    expect(lesson.title).toBe('Lesson 9: Example');
    expect(lesson.intro).toBe('The **intro**.');
    expect(lesson.cells.map((c) => c.kind)).toEqual(['code', 'prose', 'code', 'prose', 'code', 'prose']);
    expect(lesson.cells[5].text).toBe('The end.');
    expect(lesson.cells[1].text).toBe('## A heading\n\nSome prose.');
    expect(lesson.cells[2].text).toContain('// stays with the code');
    expect(lesson.cells[2].text).toContain('/** A doc comment stays with its function. */');
    expect(lesson.cells[2].text).toContain('// so does a comment inside it');
  });

  it('renders terminal colours and light Markdown', () => {
    expect(ansiToHtml('\u001b[38;2;1;2;3m\u001b[48;2;4;5;6m▀\u001b[0m\nLabel')).toBe(
      '<span class="pixels"><span style="color:rgb(1,2,3);background:rgb(4,5,6)">▀</span></span>\nLabel',
    );
    expect(markdown('A **b** `c<d>`, [e](f.html).\n\n- one\n  two\n- three')).toBe(
      '<p>A <strong>b</strong> <code>c&lt;d&gt;</code>, <a href="f.html">e</a>.</p>\n<ul>\n<li>one two</li>\n<li>three</li>\n</ul>',
    );
  });
});

describe('the PyTorch name table', () => {
  it('has a row for every export, each resolving in Kindling', () => {
    expect(built.names.length).toBeGreaterThan(300);
    expect(built.names.filter((r) => !resolves(r.ref))).toEqual([]);
    const row = (pytorch: string) => built.names.find((r) => r.pytorch === pytorch)?.kindling;
    expect(row('torch.from_numpy')).toBe('torch.fromTypedArray');
    expect(row('torch.ones_like')).toBe('torch.onesLike');
    expect(row('x[...]')).toBe('torch.index');
    expect(row('x[...] = v')).toBe('x.indexPut_');
    expect(row('torch.utils.data.DataLoader')).toBe('torch.data.DataLoader');
    expect(row('torchvision.transforms.ToTensor')).toBe('torch.transforms.ToTensor');
    expect(row('model.state_dict')).toBe('model.stateDict');
    expect(row('torch.var')).toBe('torch.var');
    expect(snakeCase('requiresGrad_')).toBe('requires_grad_');
    expect(read('names.html')).toContain('<code>torch.from_numpy</code>');
  });

  it('refuses a name that is not in the library', () => {
    expect(resolves('zeros')).toBe(true);
    expect(resolves('Tensor#indexPut_')).toBe(true);
    expect(resolves('Tensor#dtype')).toBe(true); // a field, on instances
    expect(resolves('nn.Module#stateDict')).toBe(true);
    expect(resolves('zeroes')).toBe(false);
    expect(resolves('Tensor#index_put_')).toBe(false);
  });

  // PyTorch's side, with the Python that has torch (see README: Fixtures from PyTorch)
  const python = ['/usr/bin/python3', 'python3'].find((p) => {
    try {
      execFileSync(p, ['-c', 'import torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  /** Names newer than the PyTorch the fixtures were written with (1.13). */
  const NEWER_THAN_1_13 = ['torch.accelerator.current_accelerator', 'torch.optim.lr_scheduler.LRScheduler', 'torch.autograd.graph.Node'];

  it.skipIf(!python)("each row's PyTorch name exists in PyTorch", () => {
    // names spelled as attribute paths of torch or of an instance (x, model, …); not syntax, not torchvision
    const names = built.names
      .map((r) => r.pytorch)
      .filter((n): n is string => n !== null && /^(torch|x|model|optimizer|scheduler|dataset|loader)(\.[A-Za-z_][\w]*)+$/.test(n))
      .filter((n) => !NEWER_THAN_1_13.includes(n));
    const script = [
      'import json, sys, torch',
      'from torch.utils.data import TensorDataset, DataLoader',
      'x = torch.zeros(1)',
      'model = torch.nn.Linear(1, 1)',
      'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)',
      'scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1)',
      'dataset = TensorDataset(torch.zeros(2, 1))',
      'loader = DataLoader(dataset)',
      'missing = []',
      'for name in json.loads(sys.argv[1]):',
      '    head, *rest = name.split(".")',
      '    value = globals()[head]',
      '    for part in rest:',
      '        if not hasattr(value, part):',
      '            missing.append(name)',
      '            break',
      '        value = getattr(value, part)',
      'print(json.dumps(missing))',
    ].join('\n');
    const missing = JSON.parse(execFileSync(python!, ['-c', script, JSON.stringify(names)], { encoding: 'utf8' })) as string[];
    expect(missing).toEqual([]);
  });
});

describe('the coverage matrix', () => {
  it('has a column per device, js and wasm run', () => {
    const html = read('coverage.html');
    for (const device of ['js', 'wasm']) expect(html).toMatch(new RegExp(`<th class="device" colspan="4">${device}</th>`));
    expect(built.coverage.available).toEqual(expect.arrayContaining(['js', 'wasm']));
    expect([...built.coverage.ops].sort()).toEqual([...OPS].sort());
    expect(cellState(built.coverage, 'add', 'js', 'float64').state).toBe('ok');
    expect(cellState(built.coverage, 'matmul', 'wasm', 'float32').state).toBe('ok');
  });

  it.skipIf(!devices.includes('webgpu'))('marks float64 on webgpu as a clear error', () => {
    for (const op of ['add', 'matmul', 'sum']) {
      const cell = cellState(built.coverage, op, 'webgpu', 'float64');
      expect(cell.state, op).toBe('error');
      expect(cell.title).toContain('webgpu has no float64');
    }
  });
});

describe('the guide pages', () => {
  it('the architecture page links into the reference kernels and shows the line budget', () => {
    const html = read('architecture.html');
    expect(html).toMatch(/href="source\/src\/backend\/js\/index\.ts\.html#L\d+">/);
    expect(html).toContain('readable core');
    const layers = ['lessons/', 'src/index.ts', 'src/nn', 'src/tensor.ts', 'src/backend/backend.ts', 'js, wasm, webgpu'];
    const at = layers.map((l) => html.indexOf(`${l}`, html.indexOf('<h2')));
    expect(at.every((a, i) => a > 0 && (i === 0 || a > at[i - 1])), `the layers in the order data flows: ${layers.join(' → ')}`).toBe(true);
  });

  it('the bench page shows results or says they are not measured yet', () => {
    const html = read('bench.html');
    expect(html).toContain('bench/wasm.ts');
    expect(html).toMatch(/<svg class="chart"|Not measured yet/);
  });

  it('has no broken links between its pages', () => {
    expect(brokenLinks(site)).toEqual([]);
    expect(read('index.html')).toContain('href="api/index.html"');
  });
});
