/**
 * The command line of `npm start` (lessons/quickstart.ts): its flags, read with Node's own
 * `util.parseArgs`, checked, and turned into numbers, with a message for each mistake.
 */
import { parseArgs } from 'node:util';

/** The devices `--device` accepts: Kindling's three, or `auto` for `torch.bestDevice()`. */
export const DEVICE_CHOICES = ['auto', 'js', 'wasm', 'webgpu'] as const;

/** What the Quickstart runs with. */
export interface QuickstartOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  device: (typeof DEVICE_CHOICES)[number];
  workers: number;
  seed: number;
  /** The folder for model.safetensors and curves.png. */
  out: string;
  /** Train on this many training samples (and test on a sixth as many), for quick runs and tests. */
  subset: number | undefined;
  help: boolean;
}

/** A mistake on the command line: the program prints the message and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm start -- [options]      (or: npx tsx lessons/quickstart.ts [options])

PyTorch's Quickstart in Kindling: trains the tutorial's network on FashionMNIST, prints the
test accuracy after each epoch, then saves the model and a picture of the training curves.

Options:
  --epochs N        passes over the training set (default 5)
  --lr X            SGD's learning rate (default 1e-3)
  --batch-size N    samples per batch (default 64)
  --device D        js, wasm, webgpu or auto, the fastest one here (default auto)
  --workers N       worker threads that load the batches (default 0: load in the main thread)
  --seed N          seeds the initial weights and the shuffling (default 0)
  --out DIR         where model.safetensors and curves.png go (default runs/<date and time>)
  --subset N        (for tests) train on N samples, test on N/6, spread over the classes
  -h, --help        show this help

Ctrl-C stops between two steps without writing anything; press it twice to stop at once.`;

/** The name of the folder of a run that starts now: `runs/2025-01-31T14-05-09`, in UTC. */
export function defaultOut(now = new Date()): string {
  return `runs/${now.toISOString().slice(0, 19).replace(/:/g, '-')}`;
}

/** A whole number ≥ `min` from the text of `--name`, or a UsageError that says what was wrong. */
function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    const kind = min === 0 ? 'a whole number ≥ 0' : 'a positive whole number';
    throw new UsageError(`--${name} must be ${kind}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Reads the command line (without `node` and the script: `process.argv.slice(2)`). Throws a
 * `UsageError` for an unknown flag, a missing value, a stray argument or a value out of range.
 */
export function parseQuickstartArgs(argv: readonly string[], now = new Date()): QuickstartOptions {
  const flags = {
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    device: { type: 'string' },
    workers: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    subset: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  // `--epochs -1` would read to parseArgs as a flag with no value followed by a flag `-1`; glue
  // such negative numbers to their flag (`--epochs=-1`) so that the range check below names them
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const takesValue = flag in flags && flags[flag as keyof typeof flags].type === 'string';
    if (takesValue && /^-\.?\d/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let values: { [K in keyof typeof flags]?: (typeof flags)[K]['type'] extends 'string' ? string : boolean };
  try {
    ({ values } = parseArgs({ args, options: flags, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs's own messages are clear ("Unknown option '--epoch'"); keep them, minus the code
    throw new UsageError((error as Error).message.split('\n')[0]);
  }

  const device = values.device ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(device)) {
    throw new UsageError(`--device must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(device)}`);
  }
  const lr = Number(values.lr ?? '1e-3');
  if (!(Number.isFinite(lr) && lr > 0) || values.lr?.trim() === '') {
    throw new UsageError(`--lr must be a positive number such as 1e-3, got ${JSON.stringify(values.lr)}`);
  }
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out must name a folder, got ""');
  return {
    epochs: wholeNumber('epochs', values.epochs ?? '5', 1),
    lr,
    batchSize: wholeNumber('batch-size', values['batch-size'] ?? '64', 1),
    device: device as QuickstartOptions['device'],
    workers: wholeNumber('workers', values.workers ?? '0', 0),
    seed: wholeNumber('seed', values.seed ?? '0', 0),
    out: values.out ?? defaultOut(now),
    subset: values.subset === undefined ? undefined : wholeNumber('subset', values.subset, 1),
    help: values.help ?? false,
  };
}
