/**
 * Worker threads for large matmuls, over the one shared WebAssembly.Memory.
 *
 * Each worker instantiates the same module on the same memory and sleeps in `Atomics.wait` on a
 * job counter, after polling it for a quarter of a millisecond (SPIN_MS) in case the next job
 * comes at once, as in a training step. A job is posted by writing its arguments into a small
 * shared control block and bumping the counter (which wakes the workers). Then every thread, the
 * main one included, takes runs of consecutive units of the job (tiles of C) from a shared "next
 * unit" counter until none are left, and the main thread polls, then sleeps in `Atomics.wait`
 * (spins, in a browser's main thread, where waiting is not allowed) until every unit is done. So
 * the backend's API stays synchronous, and soon after a job nothing runs.
 *
 * Taking work from a shared counter (a dynamic schedule) rather than handing each thread a fixed
 * share matters on a machine that is busy with other work: a worker that the OS wakes late, or
 * runs on a core it shares, simply takes less, and the main thread waits at most for the run a
 * worker is in the middle of, never for a worker to wake up. Which thread computes which unit
 * does not change the result (assembly/matmul.ts), so results stay identical.
 *
 * How many units a thread takes at once is a trade. Each take is one kernel call, and a call packs
 * the B block its units share once (assembly/matmul.ts), so every take repacks all of B that its
 * units span. Taken one at a time, each of the 16 units (64 full-width rows) of a 1024 x 1024
 * product repacked all of B: on 2 cores each thread did 9% more work than its half of what one
 * thread does, and 2 threads ran 1.81x as fast as one instead of nearly 2x (the wake-up, ~0.1 ms,
 * and the imbalance at the end, under 0.1 ms of 27, cost next to nothing). Large takes repack
 * less; small ones balance better at the end. So a thread takes a share of what is left,
 * ⌈left / (2 · threads)⌉ units (guided self-scheduling, halved as in "factoring"): 4, 3, 3, 2,
 * then single units for 16 units on 2 threads, 8 calls instead of 16, about 4% more work and
 * 1.9x; a small job whose units are fewer than 2 · threads is still taken one unit at a time.
 *
 * A worker may wake so late that the job it woke for is over and the next one is being posted.
 * Two rules keep it from touching the wrong job: it reads a job (the arguments, and where its
 * units start) between two reads of the job counter, which the main thread makes odd while it
 * writes a job and even once it is posted, and keeps the reading only when both are the same
 * even number (a seqlock); and unit numbers keep counting up across jobs, so a unit of a job that
 * is over can no longer be taken (the counter is past it), and a late worker finds nothing to do.
 *
 * Control block (Int32Array over a SharedArrayBuffer):
 *   [0] job counter (odd while a job is written)  [1] next unit, counting across jobs
 *   [2] the job's first unit  [3] its number of units  [4] units done
 *   [5] kernel (0 f32, 1 f64, 2 i32)  [6] threads that take part (ids below it)
 *   [7..19] kernel arguments  [20] id of a worker whose unit failed (0: none)
 *   [128 + id] worker `id`'s scratch address
 */
import { isNode } from './loader.js';

const JOB = 0;
const NEXT = 1;
const FIRST = 2;
const UNITS = 3;
const DONE = 4;
const KIND = 5;
const THREADS = 6;
const ARGS = 7;
const FAILED = 20;
const SCRATCH = 128;
/** At most this many threads (the control block's size). */
export const MAX_THREADS = 64;
/** How long the main thread waits for the workers' units before it gives up on them. */
const WORKER_TIMEOUT_MS = 30_000;
/**
 * How long a thread that has run out of work keeps polling before it sleeps in Atomics.wait: a
 * worker for the next job, the main thread for the workers' last units. Waking a sleeping thread
 * takes the OS tens of microseconds, and a training step posts a matmul every few hundred: on
 * the 2-core machine the MLP step's matmuls took 3.3-4.6 ms a step on 2 threads when workers slept
 * at once, against 2.9 for the same products back to back, and 2.9-3.1 with a quarter of a
 * millisecond of polling (OpenMP runtimes poll for a while too).
 */
const SPIN_MS = 0.25;

/** Units a thread takes at once when `left` units of a job on `threads` threads are untaken (see the header; the worker's program repeats it). */
function unitsToTake(left: number, threads: number): number {
  return Math.ceil(left / (2 * threads));
}

/** The worker's program, as source text so it needs no separate file (Node: eval; browsers: a Blob URL). */
const workerSource = `
const start = (data, post) => {
  const { module, memory, ctrl, errorText, id } = data;
  const ctl = new Int32Array(ctrl);
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports;
  const kernels = [ex.matmulF32, ex.matmulF64, ex.matmulI32];
  const scratch = ctl[${SCRATCH} + id];
  let seen = Atomics.load(ctl, ${JOB});
  post('ready');
  for (;;) {
    const spinEnd = performance.now() + ${SPIN_MS};
    while (Atomics.load(ctl, ${JOB}) === seen && performance.now() < spinEnd);
    Atomics.wait(ctl, ${JOB}, seen);
    const job = Atomics.load(ctl, ${JOB});
    seen = job;
    if (job & 1) continue; // being written: wait for it to be posted
    // read the job, and keep what was read only if no new job was written meanwhile
    const a = [];
    for (let i = 0; i < 13; i++) a.push(Atomics.load(ctl, ${ARGS} + i));
    const first = Atomics.load(ctl, ${FIRST}), units = Atomics.load(ctl, ${UNITS});
    const kind = Atomics.load(ctl, ${KIND}), threads = Atomics.load(ctl, ${THREADS});
    if (Atomics.load(ctl, ${JOB}) !== job || id >= threads) continue;
    for (;;) {
      const next = Atomics.load(ctl, ${NEXT});
      const u = (next - first) | 0;
      if (u < 0 || u >= units) break; // every unit is taken (or this job is over)
      const take = Math.ceil((units - u) / (2 * threads)); // as unitsToTake
      if (Atomics.compareExchange(ctl, ${NEXT}, next, (next + take) | 0) !== next) continue; // another thread took some
      try {
        kernels[kind](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], scratch, a[12], u, u + take);
      } catch (error) {
        // report instead of dying: the main thread would wait for these units until it timed out
        new TextEncoder().encodeInto(String(error && error.stack || error).slice(0, 900), new Uint8Array(errorText).fill(0));
        Atomics.store(ctl, ${FAILED}, id);
      }
      if (Atomics.add(ctl, ${DONE}, take) + take === units) Atomics.notify(ctl, ${DONE});
    }
  }
};
if (typeof process !== 'undefined' && process.versions && process.versions.node) {
  const { workerData, parentPort } = require('node:worker_threads');
  start(workerData, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
}
`;

interface WorkerLike {
  terminate(): unknown;
}

type Kernel = (...args: number[]) => void;

export class ThreadPool {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4 * 256));
  /** Where a worker writes the message of an error in its unit (UTF-8). */
  private readonly errorText = new SharedArrayBuffer(1024);
  /** Set when a worker failed or stopped answering: from then on every job runs on the main thread. */
  private broken: string | undefined;
  private readonly workers: (WorkerLike | undefined)[] = [undefined]; // index = thread id; 0 is the main thread
  private threads = 1;
  private readonly canWait: boolean;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: Kernel[],
    /** Allocates one thread's private scratch (bytes), returning its address. */
    private readonly allocScratch: () => number,
  ) {
    this.ctl[SCRATCH] = allocScratch();
    // a browser's main thread may not block in Atomics.wait; it spins instead
    let canWait = true;
    try {
      Atomics.wait(this.ctl, 255, 1, 0);
    } catch {
      canWait = false;
    }
    this.canWait = canWait;
  }

  /** Threads a kernel may use now: the requested number (1 once the workers were turned off). */
  get numThreads(): number {
    return this.broken ? 1 : this.threads;
  }

  /** Uses `n` threads (the main thread and n - 1 workers) from the next job on; starts missing workers. */
  async setNumThreads(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
    this.threads = Math.min(n, MAX_THREADS);
    const starting: Promise<void>[] = [];
    for (let id = this.workers.length; id < this.threads; id++) starting.push(this.spawn(id));
    await Promise.all(starting);
  }

  private async spawn(id: number): Promise<void> {
    this.workers[id] = undefined;
    this.ctl[SCRATCH + id] = this.allocScratch();
    const data = { module: this.module, memory: this.memory, ctrl: this.ctl.buffer, errorText: this.errorText, id };
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => resolve();
      if (isNode()) {
        import('node:worker_threads').then(({ Worker }) => {
          const worker = new Worker(workerSource, { eval: true, workerData: data });
          worker.unref(); // idle workers must not keep the process alive
          worker.once('message', onReady);
          worker.once('error', reject);
          this.workers[id] = worker;
        }, reject);
      } else {
        const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
        const worker = new Worker(url);
        worker.onmessage = onReady;
        worker.onerror = (e) => reject(new Error(`wasm worker failed: ${e.message}`));
        worker.postMessage(data);
        this.workers[id] = worker;
      }
    });
  }

  /**
   * Runs matmul kernel `kind` over `units` units on (at most `wanted`) threads; `args` are its
   * arguments but the scratch address and the unit range (M, N, K, a and its 3 strides, b and its
   * 3 strides, out, nb). Returns when every unit is done.
   */
  runMatmul(kind: number, args: readonly number[], units: number, wanted = this.threads): void {
    const threads = this.broken ? 1 : Math.min(wanted, this.threads, units);
    const kernel = this.kernels[kind];
    const [M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, out, nb] = args;
    const scratch = this.ctl[SCRATCH];
    if (threads <= 1) {
      kernel(M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, out, scratch, nb, 0, units);
      return;
    }
    const ctl = this.ctl;
    // post the job: the counter is odd while it is written (see the header)
    Atomics.add(ctl, JOB, 1);
    for (let i = 0; i < 13; i++) Atomics.store(ctl, ARGS + i, args[i]);
    const first = Atomics.load(ctl, NEXT); // every unit of the jobs before is taken
    Atomics.store(ctl, FIRST, first);
    Atomics.store(ctl, UNITS, units);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, KIND, kind);
    Atomics.store(ctl, THREADS, threads);
    Atomics.add(ctl, JOB, 1);
    Atomics.notify(ctl, JOB);
    // take units as the workers do, then wait for the ones they are computing
    for (;;) {
      const next = Atomics.load(ctl, NEXT);
      const u = (next - first) | 0;
      if (u >= units) break;
      const take = unitsToTake(units - u, threads);
      if (Atomics.compareExchange(ctl, NEXT, next, (next + take) | 0) !== next) continue;
      kernel(M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, out, scratch, nb, u, u + take);
      Atomics.add(ctl, DONE, take);
    }
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    const spinEnd = performance.now() + SPIN_MS;
    for (let done = Atomics.load(ctl, DONE); done < units; done = Atomics.load(ctl, DONE)) {
      if (Date.now() > deadline) {
        this.giveUp(`a worker thread did not finish its part of a matmul within ${WORKER_TIMEOUT_MS / 1000} s`);
        break;
      }
      if (this.canWait && performance.now() > spinEnd) Atomics.wait(ctl, DONE, done, 1000);
    }
    const failed = Atomics.exchange(ctl, FAILED, 0);
    if (failed) {
      const message = new TextDecoder().decode(new Uint8Array(this.errorText).slice()).replace(/\0+$/, '');
      this.giveUp(`worker thread ${failed} failed: ${message}`);
    }
    // the result does not depend on who computes which unit: redo the whole job here
    if (this.broken) kernel(M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, out, scratch, nb, 0, units);
  }

  /**
   * Stops using the workers after one failed: the job is redone on the main thread, so training
   * goes on (single-threaded, with identical results) and the reason is reported once.
   */
  private giveUp(reason: string): void {
    if (this.broken) return;
    this.broken = reason;
    console.warn(`kindling: wasm threads turned off, matmuls now run on the main thread only (${reason})`);
    this.terminate();
  }

  /** Why the workers were turned off, if they were. */
  get failure(): string | undefined {
    return this.broken;
  }

  /** Stops every worker. */
  terminate(): void {
    for (const w of this.workers) w?.terminate();
    this.workers.length = 1;
  }
}
