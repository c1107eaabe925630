/**
 * `npm start` (lessons/quickstart.ts) as a user runs it: a subprocess, its output, its files,
 * its exit status for bad flags, and Ctrl-C.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CURVES_HEIGHT, CURVES_WIDTH } from '../../src/cli/plot.js';
import * as torch from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const program = join(root, 'lessons', 'quickstart.ts');
const scratch = mkdtempSync(join(tmpdir(), 'kindling-quickstart-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the program with `args` (stdout is a pipe, so progress comes as plain lines). */
function quickstart(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', program, ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Finds each piece in `text`, each after the previous one; fails naming the first one missing. */
function expectInOrder(text: string, pieces: (string | RegExp)[]): void {
  let from = 0;
  for (const piece of pieces) {
    const rest = text.slice(from);
    const match = typeof piece === 'string' ? (rest.includes(piece) ? { index: rest.indexOf(piece), 0: piece } : null) : piece.exec(rest);
    if (!match) expect.fail(`expected the output, after position ${from}, to contain\n${String(piece)}\n\nfull output:\n${text}`);
    from += match.index + match[0].length;
  }
}

const CLASS = String.raw`(T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)`;

describe('npm start (lessons/quickstart.ts)', () => {
  it('trains, tests, saves, loads, predicts and draws the curves, printing what the tutorial prints', async () => {
    const out = join(scratch, 'run');
    const { code, stdout, stderr } = await quickstart(['--epochs', '1', '--subset', '1200', '--out', out]);
    expect(code, stderr).toBe(0);
    expectInOrder(stdout, [
      'Shape of X [N, C, H, W]: [64, 1, 28, 28]\n',
      'Shape of y: [64] int32\n',
      /Using (js|wasm|webgpu) device\n/,
      'NeuralNetwork(\n  (flatten): Flatten(start_dim=1, end_dim=-1)\n  (linearReluStack): Sequential(\n',
      'Epoch 1\n-------------------------------\n',
      // 1200 samples: 19 batches, shown at the first and the last
      /Epoch 1\/1 1\/19 loss \d\.\d{4} [\d,]+ samples\/s \d+\.\d s\n/,
      /Epoch 1\/1 19\/19 loss \d\.\d{4} [\d,]+ samples\/s \d+\.\d s\n/,
      /Test Error: \n Accuracy: \d+\.\d%, Avg loss: \d\.\d{6} \n\n/,
      'Done!\n',
      /\(trained 1 epoch of 1200 samples in \d+\.\d s on (js|wasm|webgpu): \d+\.\d s per epoch\)\n/,
      `Saved Kindling Model State to ${join(out, 'model.safetensors')}\n`,
      // Kindling's test set is ordered by class: its first image is a T-shirt
      new RegExp(String.raw`Predicted: "${CLASS}", Actual: "T-shirt/top"\n`),
      `Saved the training curves to ${join(out, 'curves.png')}\n`,
    ]);

    // the weights, with PyTorch's names, load back
    const state = await torch.load<Record<string, torch.Tensor>>(join(out, 'model.safetensors'));
    expect(Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.shape]))).toEqual({
      'linear_relu_stack.0.weight': [512, 784],
      'linear_relu_stack.0.bias': [512],
      'linear_relu_stack.2.weight': [512, 512],
      'linear_relu_stack.2.bias': [512],
      'linear_relu_stack.4.weight': [10, 512],
      'linear_relu_stack.4.bias': [10],
    });
    const model = new torch.nn.Sequential(new torch.nn.Flatten(), new torch.nn.Sequential(new torch.nn.Linear(784, 512), new torch.nn.ReLU(), new torch.nn.Linear(512, 512), new torch.nn.ReLU(), new torch.nn.Linear(512, 10)));
    const renamed = Object.fromEntries(Object.entries(state).map(([name, t]) => [name.replace('linear_relu_stack', '1'), t]));
    expect(model.loadStateDict(renamed)).toEqual({ missingKeys: [], unexpectedKeys: [] });

    // the curves: a PNG file of the expected size
    const png = readFileSync(join(out, 'curves.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const image = torch.data.utils.readImage(join(out, 'curves.png'));
    expect([image.width, image.height]).toEqual([CURVES_WIDTH, CURVES_HEIGHT]);
  });

  it('--help prints the options and exits with 0', async () => {
    const { code, stdout } = await quickstart(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm start -- \[options\]/);
    for (const flag of ['--epochs', '--lr', '--batch-size', '--device', '--workers', '--seed', '--out', '--help']) expect(stdout).toContain(flag);
  });

  it.each([
    [['--epochs', '-1'], 'quickstart: --epochs must be a positive whole number, got "-1"'],
    [['--epochs', '2.5'], 'quickstart: --epochs must be a positive whole number, got "2.5"'],
    [['--device', 'cuda'], 'quickstart: --device must be one of auto, js, wasm, webgpu, got "cuda"'],
    [['--lr', 'fast'], 'quickstart: --lr must be a positive number such as 1e-3, got "fast"'],
    [['--epoch', '3'], "quickstart: Unknown option '--epoch'"],
    [['--epochs'], "quickstart: Option '--epochs <value>' argument missing"],
    [['10'], "quickstart: Unexpected argument '10'"],
  ])('%j is a usage error: a clear message and exit status 2', async (args, message) => {
    const { code, stdout, stderr } = await quickstart(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Run with --help to see the options.');
    expect(stdout).toBe('');
  });

  it('Ctrl-C during training exits with 130 and writes nothing', async () => {
    const out = join(scratch, 'interrupted');
    // the whole training set: 938 batches, long enough to be interrupted
    const child = spawn(process.execPath, ['--import', 'tsx', program, '--epochs', '1', '--out', out], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/Epoch 1\/1 1\/938 /.test(stdout)) child.kill('SIGINT'); // after the first progress line
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stdout + stderr).toBe(130);
    expect(stderr).toMatch(/Interrupted \(Ctrl-C\) in epoch 1, after batch \d+\/938: nothing was saved\.\n/);
    expect(stdout).not.toContain('Done!');
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
});
