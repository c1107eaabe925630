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

/**
 * A float32 element in [0, 1) as PyTorch prints it: four decimals, or, when the tensor's largest
 * nonzero |value| is over 1000 times its smallest or the smallest is under 1e-4 (a draw like
 * 5.0365e-04 next to 0.7186), every element in scientific notation.
 */
const R = String.raw`(?:0\.\d{4}|\d\.\d{4}e-0\d)`;

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
  '02-datasets.ts': [
    // Loading a Dataset (not on PyTorch's page: sizes and the dataset's printout, which is torchvision's)
    'Training samples: 60000, test samples: 10000\n',
    'Dataset FashionMNIST\n    Number of datapoints: 60000\n    Root location: data\n    Split: Train\n    StandardTransform\nTransform: ToTensor()',
    // Iterating and Visualizing the Dataset: nine random samples, written as a picture
    /Saved runs\/fashion-mnist-grid\.png, a 3×3 grid of: ([A-Za-z -]+, ){8}[A-Za-z -]+\n/,
    // Creating a Custom Dataset for your files
    'Custom dataset: 10 images from runs/custom-images/labels.csv\n',
    'Sample 9: Ankle Boot, shape [1, 28, 28]\n',
    'Equal to the original: true',
    // Iterate through the DataLoader: PyTorch prints torch.Size([64, 1, 28, 28]) and torch.Size([64])
    'Feature batch shape: [64, 1, 28, 28]\n',
    'Labels batch shape: [64]\n',
    // the first image of the batch, in the terminal: 14 lines of 28 half blocks, then its label
    new RegExp(String.raw`((\x1b\[38;2;\d+;\d+;\d+m\x1b\[48;2;\d+;\d+;\d+m▀){28}\x1b\[0m\n){14}Label: \d\n`),
    'Batches per epoch: 938 (train), 157 (test)\n',
    // Loading in parallel (not on the page)
    '157 batches from 2 worker threads, equal to the batches loaded without workers: true\n',
  ],
  '03-transforms.ts': [
    'Without transforms: an image of 28×28 bytes (Uint8Array) and the label 9\n',
    // ToTensor(): PyTorch gives the same values for these bytes
    'ToTensor: shape [1, 28, 28], dtype float32, values from 0 to 1\n',
    'Bytes:   0, 30, 65, 97, 163, 248\n',
    'Tensor:  tensor([0.0000, 0.1176, 0.2549, 0.3804, 0.6392, 0.9725])\n',
    // Lambda Transforms: the one-hot label
    'Label 9 one-hot: tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 1.])\n',
    'Label 3 one-hot: tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])\n',
    // Compose and Normalize (not on the page), printed like torchvision's
    'Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)\n',
    'Normalized: values from -1 to 1\n',
  ],
  '04-build-model.ts': [
    // Get Device for Training: the fastest device here
    /Using (js|wasm|webgpu) device\n/,
    // Define the Class: print(model), with Kindling's camelCase attribute name
    'NeuralNetwork(\n  (flatten): Flatten(start_dim=1, end_dim=-1)\n  (linearReluStack): Sequential(\n' +
      '    (0): Linear(in_features=784, out_features=512, bias=True)\n    (1): ReLU()\n' +
      '    (2): Linear(in_features=512, out_features=512, bias=True)\n    (3): ReLU()\n' +
      '    (4): Linear(in_features=512, out_features=10, bias=True)\n  )\n)\n',
    /Predicted class: tensor\(\[\d\](, device='wasm')?\)\n/,
    // Model Layers: PyTorch prints torch.Size([3, 28, 28]) and so on
    '[ 3, 28, 28 ]\n',
    '[ 3, 784 ]\n',
    '[ 3, 20 ]\n',
    /Before ReLU: tensor\(\[\[[-\d., \n\[\]]+\]\], grad_fn=<AddmmBackward0>\)\n\n\n/,
    /After ReLU: tensor\(\[\[[\d., \n\[\]]+\]\], grad_fn=<ReluBackward0>\)\n/,
    'Probabilities of each image sum to tensor([1.0000, 1.0000, 1.0000], grad_fn=<SumBackward1>)\n',
    // Model Parameters: PyTorch's names with linear_relu_stack spelled linearReluStack
    'Model structure:  NeuralNetwork(\n  (flatten)',
    ...[
      ['0.weight', '512, 784', true],
      ['0.bias', '512', false],
      ['2.weight', '512, 512', true],
      ['2.bias', '512', false],
      ['4.weight', '10, 512', true],
      ['4.bias', '10', false],
    ].map(([name, size, matrix]) =>
      matrix
        ? new RegExp(String.raw`Layer: linearReluStack\.${name} \| Size: \[${size}\] \| Values : tensor\(\[\[[^\]]+\],\n +\[[^\]]+\]\],\n +(device='wasm', )?grad_fn=<SliceBackward0>\) \n\n`)
        : new RegExp(String.raw`Layer: linearReluStack\.${name} \| Size: \[${size}\] \| Values : tensor\(\[[-\d. ,]+\](, device='wasm')?, grad_fn=<SliceBackward0>\) \n\n`),
    ),
  ],
  '05-autograd.ts': [
    // Tensors, Functions and Computational graph (PyTorch adds ` object at 0x...` inside the brackets)
    'Gradient function for z = <AddBackward0>\n',
    'Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0>\n',
    // Computing Gradients: random values, but every row of w.grad is b.grad, each (σ(z_j) - 0) / 3 in (0, 1/3)
    new RegExp(
      String.raw`tensor\(\[\[(${R}, ${R}, ${R})\],\n` +
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
  '06-optimization.ts': [
    // run with `--epochs 1 --subset 1200` (see lessonArguments): one short epoch
    /Using (js|wasm|webgpu) device\n/,
    'Epoch 1\n-------------------------------\n',
    /loss: \d\.\d{6} {2}\[ {3}64\/ 1200\]\n/,
    /\(trained on 1200 samples in \d+\.\d s on (js|wasm|webgpu)\)\n/,
    /Test Error: \n Accuracy: \d+\.\d%, Avg loss: \d\.\d{6} \n/,
    'Done!\n',
  ],
  '07-save-load.ts': [
    'Saved 6 tensors to runs/model_weights.safetensors\n',
    // PyTorch prints <All keys matched successfully>
    '{ missingKeys: [], unexpectedKeys: [] }\n',
    'Same logits after loading: true\n',
    "[ 'linear_relu_stack.0.weight', 'linear_relu_stack.0.bias' ]\n",
    '{ missingKeys: [], unexpectedKeys: [] }\n',
    'Error: save() takes a state dict, not a model: save model.stateDict(), then load it into a new model with loadStateDict (safetensors holds tensors, not code)\n',
    "Restored the optimizer's state for 6 parameters\n",
  ],
  'quickstart.ts': [
    // `npm start`, run with `--epochs 1 --subset 1200` (see lessonArguments); test/cli/quickstart.test.ts checks the rest
    'Shape of X [N, C, H, W]: [64, 1, 28, 28]\n',
    'Shape of y: [64] int32\n', // PyTorch: torch.Size([64]) torch.int64
    /Using (js|wasm|webgpu) device\n/,
    'Epoch 1\n-------------------------------\n',
    /Test Error: \n Accuracy: \d+\.\d%, Avg loss: \d\.\d{6} \n/,
    'Done!\n',
    'Saved Kindling Model State to runs/quickstart/model.safetensors\n',
    /Predicted: "[A-Za-z\/ -]+", Actual: "T-shirt\/top"\n/, // the page's first test image is an ankle boot; Kindling's is a T-shirt
  ],
};

/** Command-line arguments a lesson runs with in this test (a short run of a long lesson). */
const lessonArguments: Record<string, string[]> = {
  '06-optimization.ts': ['--epochs', '1', '--subset', '1200'],
  'quickstart.ts': ['--epochs', '1', '--subset', '1200', '--out', 'runs/quickstart'],
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
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(lessonsDir, file), ...(lessonArguments[file] ?? [])], {
      cwd: root,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expectInOrder(stdout, pieces);
  });
});
