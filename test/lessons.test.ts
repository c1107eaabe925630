/**
 * Every lesson is a test: each `lessons/*.ts` file runs as its own process, exactly as a reader
 * runs it (`npx tsx lessons/01-tensors.ts`), must exit cleanly, and must print the lines listed
 * for it in `expectedOutput` below, in that order.
 *
 * Adding a lesson: add its file to `lessons/` and an entry to `expectedOutput`, with the lines
 * PyTorch's page prints for the same code (run the tutorial with `/usr/bin/python3` to get them).
 * Use a string for text that must appear verbatim (it may span several lines) and a RegExp where
 * the values are random or depend on the machine.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lessonsDir = join(root, 'lessons');
const run = promisify(execFile);

/** A float32 element as PyTorch prints `torch.rand` output: four decimals in [0, 1). */
const R = String.raw`0\.\d{4}`;

/** What each lesson must print, in order. */
const expectedOutput: Record<string, (string | RegExp)[]> = {
  '01-tensors.ts': [
    // Initializing a Tensor
    'Data type from whole numbers: int32\n',
    'Data type when asked for: float32 \n',
    'Ones Tensor: \n tensor([[1, 1],\n        [1, 1]]) \n',
    new RegExp(String.raw`Random Tensor: \n tensor\(\[\[${R}, ${R}\],\n        \[${R}, ${R}\]\]\) \n`),
    new RegExp(String.raw`Random Tensor: \n tensor\(\[\[${R}, ${R}, ${R}\],\n        \[${R}, ${R}, ${R}\]\]\) \n`),
    'Ones Tensor: \n tensor([[1., 1., 1.],\n        [1., 1., 1.]]) \n',
    'Zeros Tensor: \n tensor([[0., 0., 0.],\n        [0., 0., 0.]])\n',
    // Attributes of a Tensor
    'Shape of tensor: [ 3, 4 ]\n',
    'Datatype of tensor: float32\n',
    'Device tensor is stored on: js\n',
    // Operations on Tensors: the device depends on the machine
    /Best device here: (js|wasm|webgpu)\n/,
    'First row:  tensor([1., 1., 1., 1.])\n',
    'First column:  tensor([1., 1., 1., 1.])\n',
    'Last column: tensor([1., 1., 1., 1.])\n',
    'tensor([[1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.]])\n',
    // torch.cat([tensor, tensor, tensor], dim=1): shape [4, 12]
    'tensor([[1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
      '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
      '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
      '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.]])\n',
    'y1, y2, y3 equal: true\n',
    'z1, z2, z3 equal: true\n',
    // Single-element tensors: PyTorch prints `12.0 <class 'float'>`
    '12 number\n',
    // In-place operations
    'tensor([[1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.]]) \n\n',
    'tensor([[6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n        [6., 5., 6., 6.]])\n',
    // Bridge with NumPy
    't: tensor([1., 1., 1., 1., 1.])\n',
    'n: Float32Array(5) [ 1, 1, 1, 1, 1 ]\n',
    't: tensor([2., 2., 2., 2., 2.])\n',
    'n: Float32Array(5) [ 2, 2, 2, 2, 2 ]\n',
    't: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)\n',
    'n: Float64Array(5) [ 2, 2, 2, 2, 2 ]\n',
  ],
  '05-autograd.ts': [
    // Tensors, Functions and Computational graph (PyTorch adds ` object at 0x...` inside the brackets)
    'Gradient function for z = <AddBackward0>\n',
    'Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0>\n',
    // Computing Gradients: random values, but every row of w.grad is b.grad, each (σ(z_j) - 0) / 3 in (0, 1/3)
    new RegExp(
      String.raw`tensor\(\[\[(0\.\d{4}, 0\.\d{4}, 0\.\d{4})\],\n` +
        String.raw`(        \[\1\],\n){3}` +
        String.raw`        \[\1\]\]\)\n` +
        String.raw`tensor\(\[\1\]\)\n`,
    ),
    'w is a leaf: true | z is a leaf: false | z.grad: null\n',
    'Error: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed).\n',
    // Disabling Gradient Tracking: PyTorch prints True, False, False
    'true\nfalse\nfalse\n',
    // More on Computational Graphs: the picture needs Graphviz
    'Wrote the graph to runs/autograd-graph.dot\n',
    /(Rendered it to runs\/autograd-graph\.svg|Graphviz's `dot` is not installed, so no picture: install Graphviz and run this lesson again\.)\n/,
    // Optional Reading: Tensor Gradients and Jacobian Products, exactly as PyTorch prints them
    'First call\n' +
      'tensor([[4., 2., 2., 2., 2.],\n' +
      '        [2., 4., 2., 2., 2.],\n' +
      '        [2., 2., 4., 2., 2.],\n' +
      '        [2., 2., 2., 4., 2.]])\n',
    '\nSecond call\n' +
      'tensor([[8., 4., 4., 4., 4.],\n' +
      '        [4., 8., 4., 4., 4.],\n' +
      '        [4., 4., 8., 4., 4.],\n' +
      '        [4., 4., 4., 8., 4.]])\n',
    '\nCall after zeroing gradients\n' +
      'tensor([[4., 2., 2., 2., 2.],\n' +
      '        [2., 4., 2., 2., 2.],\n' +
      '        [2., 2., 4., 2., 2.],\n' +
      '        [2., 2., 2., 4., 2.]])\n',
  ],
};

const lessons = readdirSync(lessonsDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();

/** Finds each expected piece in `stdout`, each after the previous one; fails naming the first missing piece. */
function expectInOrder(stdout: string, pieces: readonly (string | RegExp)[]): void {
  let from = 0;
  for (const piece of pieces) {
    const rest = stdout.slice(from);
    let at: number;
    let length: number;
    if (typeof piece === 'string') {
      at = rest.indexOf(piece);
      length = piece.length;
    } else {
      const match = piece.exec(rest);
      at = match ? match.index : -1;
      length = match ? match[0].length : 0;
    }
    if (at < 0) {
      expect.fail(`expected the output, after position ${from}, to contain\n${String(piece)}\n\nfull output:\n${stdout}`);
    }
    from += at + length;
  }
}

it('finds the lessons', () => {
  expect(lessons).toContain('01-tensors.ts');
  // every entry in the table names a lesson that exists
  expect(lessons).toEqual(expect.arrayContaining(Object.keys(expectedOutput)));
});

describe.each(lessons)('lessons/%s', (file) => {
  it('runs and prints what the tutorial page prints', async () => {
    const pieces = expectedOutput[file];
    expect(pieces, `add the lines lessons/${file} must print to expectedOutput in test/lessons.test.ts`).toBeDefined();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(lessonsDir, file)], {
      cwd: root,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expectInOrder(stdout, pieces);
  });
});
