/**
 * Worker threads for large matmuls, over the one shared WebAssembly.Memory.
 *
 * Each worker instantiates the same module on the same memory and sleeps in `Atomics.wait` on a
 * generation counter. A job is posted by writing its arguments into a small shared control
 * block, setting a pending count and bumping the generation (which wakes the workers). The main
 * thread takes share 0 itself, then sleeps in `Atomics.wait` (spins, in a browser's main thread,
 * where waiting is not allowed) until every worker has counted itself done. So the backend's API
 * stays synchronous, and between jobs nothing runs. Shares are contiguous ranges of the kernel's
 * units (tiles of C); results do not depend on how they are split.
 *
 * Control block (Int32Array over a SharedArrayBuffer):
 *   [0] generation  [1] pending workers  [2] kernel (0 f32, 1 f64, 2 i32)  [3] threads in this job
 *   [4..16] kernel arguments  [17] units  [18] id of a worker whose share failed (0: none)
 *   [64 + id] first generation worker `id` takes part in (0: not yet)  [128 + id] its scratch address
 */
import { isNode } from './loader.js';

const GEN = 0;
const PENDING = 1;
const KIND = 2;
const THREADS = 3;
const ARGS = 4;
const UNITS = 17;
const FAILED = 18;
const READY = 64;
const SCRATCH = 128;
/** At most this many threads (the control block's size). */
export const MAX_THREADS = 64;
/** How long the main thread waits for the workers' shares before it gives up on them. */
const WORKER_TIMEOUT_MS = 30_000;

/** The worker's program, as source text so it needs no separate file (Node: eval; browsers: a Blob URL). */
const workerSource = `
const start = (data, post) => {
  const { module, memory, ctrl, errorText, id } = data;
  const ctl = new Int32Array(ctrl);
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports;
  const kernels = [ex.matmulF32, ex.matmulF64, ex.matmulI32];
  let gen = Atomics.load(ctl, ${GEN});
  post('ready');
  for (;;) {
    Atomics.wait(ctl, ${GEN}, gen);
    const now = Atomics.load(ctl, ${GEN});
    if (now === gen) continue; // woken without a new job: never run (and count down) a share twice
    gen = now;
    const from = Atomics.load(ctl, ${READY} + id);
    if (from === 0 || gen < from) continue; // not counted in this job
    try {
      const T = ctl[${THREADS}];
      if (id < T) {
        const U = ctl[${UNITS}];
        const u0 = Math.floor((U * id) / T), u1 = Math.floor((U * (id + 1)) / T);
        const a = ${ARGS};
        if (u1 > u0) kernels[ctl[${KIND}]](ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6],
          ctl[a + 7], ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11], ctl[${SCRATCH} + id], ctl[a + 12], u0, u1);
      }
    } catch (error) {
      // report instead of dying: a dead worker would leave the main thread waiting for its share
      new TextEncoder().encodeInto(String(error && error.stack || error).slice(0, 900), new Uint8Array(errorText).fill(0));
      Atomics.store(ctl, ${FAILED}, id);
    } finally {
      if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
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
  /** Where a worker writes the message of an error in its share (UTF-8). */
  private readonly errorText = new SharedArrayBuffer(1024);
  /** Set when a worker failed or stopped answering: from then on every job runs on the main thread. */
  private broken: string | undefined;
  private readonly workers: (WorkerLike | undefined)[] = [undefined]; // index = thread id; 0 is the main thread
  private readonly ready: boolean[] = [true];
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

  /** Threads a kernel may use now: the requested number, capped by the workers that are ready. */
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

  /** Workers 1..k all ready: the threads a job can count on. */
  private readyPrefix(): number {
    let k = 1;
    while (k < this.ready.length && this.ready[k]) k++;
    return k;
  }

  private async spawn(id: number): Promise<void> {
    this.workers[id] = undefined;
    this.ready[id] = false;
    this.ctl[SCRATCH + id] = this.allocScratch();
    const data = { module: this.module, memory: this.memory, ctrl: this.ctl.buffer, errorText: this.errorText, id };
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        // take part from the next generation on (never in one already posted)
        Atomics.store(this.ctl, READY + id, Atomics.load(this.ctl, GEN) + 1);
        this.ready[id] = true;
        resolve();
      };
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
   * Runs matmul kernel `kind` over `units` units, split across (at most `wanted`) threads; `args`
   * are its arguments but the scratch address and the unit range (M, N, K, a and its 3 strides,
   * b and its 3 strides, out, nb). Returns when every share is done.
   */
  runMatmul(kind: number, args: readonly number[], units: number, wanted = this.threads): void {
    const threads = this.broken ? 1 : Math.min(wanted, this.threads, this.readyPrefix(), units);
    const kernel = this.kernels[kind];
    if (threads <= 1) {
      kernel(...args.slice(0, 12), this.ctl[SCRATCH], args[12], 0, units);
      return;
    }
    const ctl = this.ctl;
    ctl[KIND] = kind;
    ctl[THREADS] = threads;
    ctl[UNITS] = units;
    for (let i = 0; i < 13; i++) ctl[ARGS + i] = args[i];
    // every counted worker wakes and reports, whether or not it has a share
    let counted = 0;
    for (let id = 1; id < this.ready.length; id++) if (this.ready[id]) counted++;
    Atomics.store(ctl, PENDING, counted);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    kernel(...args.slice(0, 12), ctl[SCRATCH], args[12], 0, Math.floor(units / threads));
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (let p = Atomics.load(ctl, PENDING); p > 0; p = Atomics.load(ctl, PENDING)) {
      if (Date.now() > deadline) {
        this.giveUp(`a worker thread did not finish its share of a matmul within ${WORKER_TIMEOUT_MS / 1000} s`);
        break;
      }
      if (this.canWait) Atomics.wait(ctl, PENDING, p, 1000);
    }
    const failed = Atomics.exchange(ctl, FAILED, 0);
    if (failed) {
      const message = new TextDecoder().decode(new Uint8Array(this.errorText).slice()).replace(/\0+$/, '');
      this.giveUp(`worker thread ${failed} failed: ${message}`);
    }
    // the result does not depend on who computes which share: redo the whole job here
    if (this.broken) kernel(...args.slice(0, 12), ctl[SCRATCH], args[12], 0, units);
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
    this.ready.length = 1;
  }
}
