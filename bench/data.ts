/**
 * `npx tsx bench/data.ts`: how fast the DataLoader feeds a training loop.
 *
 * One shuffled epoch of FashionMNIST's 60,000 training samples through a transform and
 * `DataLoader({ batchSize: 64, shuffle: true })`, in samples per second, with the batches loaded in
 * the main thread (`numWorkers: 0`) and by two worker threads (`numWorkers: 2`), for two
 * transforms:
 *
 * - light: `ToTensor()` alone (bytes → float32, a tight loop over 784 pixels);
 * - heavy: `Compose([ToTensor(), Normalize(mean, std)])`, where Normalize runs two tensor ops on
 *   the `js` reference backend: many times the work of ToTensor, the case workers are for.
 *
 * Workers are timed twice: started for each epoch (the default; the epoch includes starting the
 * threads, loading the code and rebuilding the dataset in each) and `persistentWorkers: true`
 * (started once, kept between epochs). Each configuration runs several epochs: the first is cold
 * (the JIT compiler has not optimised the code yet), the best of the others is the steady rate.
 *
 * The machine may be shared, and other processes then take CPU time from these threads. So next
 * to samples per second (wall clock) the table gives samples per CPU-second: the epoch's samples
 * divided by the CPU time this process spent on it, in all its threads. That figure does not
 * depend on other processes: with 0 workers it is what one free core would reach, and with
 * workers it shows their overhead; on an idle machine, 2 workers can reach about twice it.
 *
 * Options: --quick (a 6,000-sample subset, for a smoke test), --epochs N (default 3), --json FILE
 * (also write the table to FILE, for the docs: see report.ts).
 */
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { Report } from './report.js';

const { DataLoader, Subset } = torch.data;
const { ToTensor, Compose, Normalize } = torch.transforms;

const quick = process.argv.includes('--quick');
const epochsArg = process.argv.indexOf('--epochs');
const epochs = epochsArg > 0 ? Number(process.argv[epochsArg + 1]) : 3;

type Transform = torch.transforms.Transform<torch.transforms.Image, Tensor>;
const transforms: [string, Transform][] = [
  ['light: ToTensor()', ToTensor()],
  // FashionMNIST's mean and standard deviation over all training pixels
  ['heavy: ToTensor + Normalize', Compose([ToTensor(), Normalize([0.286], [0.353])])],
];

interface Measured {
  /** Samples/s of the first epoch, and of the best later one. */
  first: number;
  best: number;
  /** Samples per CPU-second (all threads) of the later epoch that used the least CPU. */
  perCpuSecond: number;
  /** The wait for the very first batch, in ms. */
  firstBatchMs: number;
}

interface Result extends Measured {
  transform: string;
  workers: string;
}

/** Runs `epochs` epochs of `loader` (see the top of this file for what is measured). */
function measure(loader: Iterable<[Tensor, Tensor]>, samples: number): Measured {
  const rates: number[] = [];
  const perCpu: number[] = [];
  let firstBatchMs = 0;
  for (let e = 0; e < epochs; e++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let seen = 0;
    for (const [X] of loader) {
      if (seen === 0 && e === 0) firstBatchMs = performance.now() - start;
      seen += X.shape[0];
    }
    if (seen !== samples) throw new Error(`an epoch gave ${seen} samples, expected ${samples}`);
    const cpu = process.cpuUsage(cpuStart);
    rates.push(samples / ((performance.now() - start) / 1000));
    perCpu.push(samples / ((cpu.user + cpu.system) / 1e6));
  }
  const later = (xs: number[]): number[] => (xs.length > 1 ? xs.slice(1) : xs);
  return { first: rates[0], best: Math.max(...later(rates)), perCpuSecond: Math.max(...later(perCpu)), firstBatchMs };
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

const report = new Report('data');
report.note(`FashionMNIST train, shuffled, batchSize 64, ${epochs} epochs per row${quick ? ' (--quick: 6,000 samples)' : ''}; Node ${process.version}\n`);
const results: Result[] = [];
for (const [name, transform] of transforms) {
  const full = new torch.data.datasets.FashionMNIST({ root: 'data', train: true, download: true, transform });
  const dataset = quick ? new Subset(full, Array.from({ length: 6000 }, (_, i) => i * 10)) : full;
  const configs: [string, { numWorkers: number; persistentWorkers?: boolean }][] = [
    ['0 (main thread)', { numWorkers: 0 }],
    ['2', { numWorkers: 2 }],
    ['2, persistent', { numWorkers: 2, persistentWorkers: true }],
  ];
  for (const [workers, options] of configs) {
    const loader = new DataLoader(dataset, { batchSize: 64, shuffle: true, generator: new torch.Generator(0), ...options });
    const measured = measure(loader, dataset.length);
    results.push({ transform: name, workers, ...measured });
    console.error(`  ${name}, ${workers} workers: ${fmt(measured.best)} samples/s`);
  }
}

console.log();
const header = ['transform', 'workers', 'epoch 1 (samples/s)', 'best later epoch (samples/s)', 'vs 0 workers', 'samples per CPU-second', 'first batch (ms)'];
const rows = results.map((r) => {
  const base = results.find((b) => b.transform === r.transform && b.workers.startsWith('0'))!;
  return [r.transform, r.workers, fmt(r.first), fmt(r.best), `${(r.best / base.best).toFixed(2)}×`, fmt(r.perCpuSecond), r.firstBatchMs.toFixed(0)];
});
table(header, rows);
report.table({
  title: 'One epoch of FashionMNIST through the DataLoader, in samples per second',
  header,
  rows,
  plot: { unit: 'samples/s', columns: ['epoch 1 (samples/s)', 'best later epoch (samples/s)'], labels: ['transform', 'workers'] },
});
const load = process.getBuiltinModule('node:os').loadavg();
report.note(`\nload average (1, 5, 15 min) at the end: ${load.map((l) => l.toFixed(2)).join(', ')} on ${process.getBuiltinModule('node:os').availableParallelism()} CPUs`);
report.save();
