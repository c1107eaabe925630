/**
 * The main thread's side of a DataLoader's worker threads.
 *
 * How a batch travels, with `numWorkers: 2`:
 *
 *     main thread                                worker k (k = step % 2)
 *     ───────────                                ───────────────────────
 *     start the worker with its config    ──▶    rebuild the dataset from its recipe
 *     send(epoch, step, indices)          ──▶    getItem(i) for each index, collate
 *     take(epoch, step) waits for it      ◀──    post { step, batch } (typed arrays transferred)
 *
 * Steps go to the workers round-robin and several are in flight at once (prefetching), so a
 * worker is already loading the next batches while the training loop works on this one. Replies
 * can come back out of order; `take(step)` keeps early ones until their turn, so batches come
 * out in exactly the order `numWorkers: 0` gives.
 *
 * Two environments:
 * - **Node** (`worker_threads`): each worker replies on its own `MessageChannel` and then bumps a
 *   counter in shared memory. A plain `for … of` loop cannot wait for an event, so the main thread
 *   reads replies with `receiveMessageOnPort` (no event needed) and, when none is there, sleeps
 *   on the counter with `Atomics.wait` until a worker bumps it; `for await` does the same with
 *   `Atomics.waitAsync`, which does not block. So both kinds of loop work with workers in Node.
 * - **Browser** (Web Workers): the same messages, through `postMessage`. A page's main thread may
 *   not block, so there only `for await` works with workers.
 */
import { isNode, nodeModule } from './node.js';

/** What a worker needs to know, sent when it starts. */
export interface WorkerConfig {
  /** The dataset, packed (see `pack` in recipe.ts): usually a recipe that rebuilds it. */
  dataset: unknown;
  /** Collate in the worker: `'default'` (defaultCollate), `'none'` (the main thread collates) or a packed recipe. */
  collate: unknown;
  /** True when steps are batches of indices; false when each step is one sample (`batchSize: null`). */
  autoBatch: boolean;
  workerId: number;
  numWorkers: number;
  /** The epoch's base seed; worker k seeds its global generator with `seed + k`. */
  seed: number;
}

/** Main → worker: load these samples. `epoch` tells apart the epochs of persistent workers. */
export interface StepRequest {
  epoch: number;
  step: number;
  indices: number[];
}

/** An error, as plain data that can cross a thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Worker → main. */
export type Reply =
  | { type: 'step'; epoch: number; step: number; value: unknown }
  | { type: 'error'; epoch: number; step: number; index: number | null; error: SerializedError }
  | { type: 'fatal'; error: SerializedError };

/** Marks the `workerData` of a Kindling DataLoader worker. */
export const WORKER_DATA_KEY = 'kindlingDataLoaderWorker';

/** An error as plain data. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error from plain data, with the constructor of the same name when it is a standard one. */
function deserializeError({ name, message, stack }: SerializedError): Error {
  const standard: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };
  const error = new (standard[name] ?? Error)(message);
  if (!(name in standard)) error.name = name;
  if (stack) error.stack = stack;
  return error;
}

/**
 * An error raised in a DataLoader worker, seen in the main thread: which worker, which sample
 * (or which batch, when collating failed), and the original error (with the worker's stack) as `cause`.
 */
export class WorkerError extends Error {
  constructor(
    readonly workerId: number,
    readonly step: number | null,
    readonly index: number | null,
    original: SerializedError,
  ) {
    const where = index !== null ? `while loading sample ${index}` : step !== null ? `while collating batch ${step}` : 'while starting';
    super(`Caught ${original.name} in DataLoader worker ${workerId} ${where}: ${original.message}`, { cause: deserializeError(original) });
    this.name = 'WorkerError';
  }
}

/** One worker thread, as the pool sees it. */
interface WorkerHandle {
  post(request: StepRequest): void;
  /** The next reply already received, without waiting (Node only). */
  poll?(): Reply | undefined;
  terminate(): void;
}

/** Index of the reply counter in the shared array; worker k's "exited" flag is at 1 + k. */
const COUNTER = 0;

/** How long one wait lasts before checking again that every worker is alive, in ms. */
const WAIT_SLICE = 200;

/**
 * The worker threads of a DataLoader: for one epoch, or for every epoch with `persistentWorkers`.
 * Each epoch gets a number, and replies from an earlier epoch (a loop that stopped early) are
 * dropped.
 */
export class WorkerPool {
  private readonly handles: WorkerHandle[] = [];
  private readonly replies = new Map<number, Reply>();
  private epoch = 0;
  private fatal: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  /** Node only: the reply counter and the exit flags, shared with the workers. */
  private readonly shared: Int32Array | undefined;

  /** Starts `config.numWorkers` workers. `timeout` (ms, 0 = forever) bounds the wait for any one batch. */
  constructor(
    config: Omit<WorkerConfig, 'workerId'>,
    private readonly timeout = 0,
  ) {
    const n = config.numWorkers;
    if (isNode()) this.shared = new Int32Array(new SharedArrayBuffer(4 * (1 + n)));
    try {
      for (let workerId = 0; workerId < n; workerId++) {
        const workerConfig = { ...config, workerId };
        const onReply = (reply: Reply): void => this.accept(reply, workerId);
        const onFatal = (error: Error): void => this.fail(new WorkerError(workerId, null, null, serializeError(error)));
        this.handles.push(this.shared ? startNodeWorker(workerConfig, this.shared, onFatal) : startWebWorker(workerConfig, onReply, onFatal));
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Starts a new epoch and returns its number; anything left of the previous one is dropped. */
  beginEpoch(): number {
    if (this.closed) throw new Error('the DataLoader workers have been shut down');
    this.replies.clear();
    return ++this.epoch;
  }

  /** Asks worker `step % numWorkers` to load `indices` as step `step` of `epoch`. */
  send(epoch: number, step: number, indices: number[]): void {
    this.checkEpoch(epoch);
    this.handles[step % this.handles.length].post({ epoch, step, indices });
  }

  /** The reply for `step`, blocking the thread until it arrives (Node only). */
  takeSync(epoch: number, step: number): Reply {
    if (!this.shared) throw new Error('in a browser, a DataLoader with numWorkers > 0 must be iterated with `for await` (the main thread cannot block)');
    const deadline = this.deadline();
    for (;;) {
      const seen = Atomics.load(this.shared, COUNTER); // read before looking, so no reply can slip by
      const reply = this.ready(epoch, step);
      if (reply) return reply;
      // sleep until a worker bumps the counter; wake now and then to notice a worker that died
      Atomics.wait(this.shared, COUNTER, seen, this.sliceUntil(deadline, step));
    }
  }

  /** The reply for `step`, without blocking the thread. */
  async take(epoch: number, step: number): Promise<Reply> {
    const deadline = this.deadline();
    for (;;) {
      const seen = this.shared ? Atomics.load(this.shared, COUNTER) : 0;
      const reply = this.ready(epoch, step);
      if (reply) return reply;
      const slice = this.sliceUntil(deadline, step);
      await new Promise<void>((resolve) => {
        // the timer also keeps Node running while we wait (a pending Atomics.waitAsync does not)
        const timer = setTimeout(resolve, slice);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        this.wake = done;
        if (this.shared) {
          const waiting = waitAsync(this.shared, COUNTER, seen, slice);
          if (waiting.async) void waiting.value.then(done);
          else done();
        }
      });
    }
  }

  /** Stops every worker at once; pending work is dropped. Safe to call again. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handle of this.handles) handle.terminate();
    this.replies.clear();
    this.wake?.();
  }

  /** The reply for `step` if it is here; throws a worker's fatal error, or when the epoch is over. */
  private ready(epoch: number, step: number): Reply | undefined {
    this.checkEpoch(epoch);
    this.drain();
    const reply = this.replies.get(step);
    if (reply) {
      this.replies.delete(step);
      return reply;
    }
    if (this.fatal) throw this.fatal;
    this.checkExited();
    return undefined;
  }

  private checkEpoch(epoch: number): void {
    if (this.closed) throw new Error('the DataLoader workers have been shut down');
    if (epoch !== this.epoch) throw new Error('this DataLoader iterator is stale: a newer one has started using the same persistent workers');
  }

  private accept(reply: Reply, workerId: number): void {
    if (this.closed) return;
    if (reply.type === 'fatal') this.fail(new WorkerError(workerId, null, null, reply.error));
    else if (reply.epoch === this.epoch) this.replies.set(reply.step, reply);
    this.wake?.();
  }

  private fail(error: Error): void {
    if (this.closed || this.fatal) return;
    this.fatal = error;
    this.wake?.();
  }

  /** Node: reads every reply that has arrived. */
  private drain(): void {
    for (let k = 0; k < this.handles.length; k++) {
      for (let reply = this.handles[k].poll?.(); reply; reply = this.handles[k].poll?.()) this.accept(reply, k);
    }
  }

  /** Node: a worker whose thread ended without saying why (no event can tell us while we block). */
  private checkExited(): void {
    if (!this.shared) return;
    for (let k = 0; k < this.handles.length; k++) {
      if (Atomics.load(this.shared, 1 + k) !== 0) {
        this.drain(); // its last words, if any, are already in its port
        this.fail(new WorkerError(k, null, null, { name: 'Error', message: 'the worker thread exited unexpectedly' }));
        throw this.fatal;
      }
    }
  }

  private deadline(): number {
    return this.timeout > 0 ? Date.now() + this.timeout : Infinity;
  }

  /** How long to wait next: a slice, or what is left before the deadline (and an error after it). */
  private sliceUntil(deadline: number, step: number): number {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`DataLoader timed out after ${this.timeout} ms waiting for batch ${step} from worker ${step % this.handles.length}`);
    }
    return Math.min(left, WAIT_SLICE);
  }
}

/** `Atomics.waitAsync` (ES2024, in Node 16+), typed here because the project's lib is ES2022. */
function waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false } | { async: true; value: Promise<unknown> } {
  return (Atomics as unknown as { waitAsync: typeof waitAsync }).waitAsync(array, index, value, timeout);
}

/**
 * Starts a worker thread in Node.
 *
 * The worker runs a tiny bootstrap (given as source text, `eval: true`) that imports the worker
 * module. Running from Kindling's TypeScript sources (`npx tsx`, vitest), that module is
 * `worker.ts`, and the bootstrap first registers `tsx` in the worker: Node 20 does not pass the
 * parent's TypeScript loader on to worker threads. From the compiled package it is `worker.js`.
 */
function startNodeWorker(config: WorkerConfig, shared: Int32Array, onFatal: (error: Error) => void): WorkerHandle {
  const { Worker, MessageChannel, receiveMessageOnPort } = nodeModule('node:worker_threads', 'DataLoader workers');
  const { port1, port2 } = new MessageChannel();
  const fromTypeScript = import.meta.url.endsWith('.ts');
  const workerModule = new URL(fromTypeScript ? './worker.ts' : './worker.js', import.meta.url).href;
  const tsx = fromTypeScript ? tsxApiUrl() : null;
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    const { signal, port, config } = workerData;
    const notify = () => { Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
    process.on('exit', () => { Atomics.store(signal, 1 + config.workerId, 1); notify(); });
    (${tsx ? `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register())` : 'Promise.resolve()'})
      .then(() => import(${JSON.stringify(workerModule)}))
      .catch((error) => {
        port.postMessage({ type: 'fatal', error: { name: error.name, message: error.message, stack: error.stack } });
        notify();
      });
  `;
  const worker = new Worker(bootstrap, {
    eval: true,
    // the parent's own loader flags (tsx's, when run with `npx tsx`) break workers in Node 20
    execArgv: process.execArgv.filter((arg, i, all) => !/tsx/.test(arg) && !/tsx/.test(all[i + 1] ?? '')),
    workerData: { [WORKER_DATA_KEY]: true, config, port: port2, signal: shared },
    transferList: [port2],
  });
  // a loop that stops early without closing (e.g. one `next()`) must not keep the process alive
  worker.unref();
  let stopping = false;
  worker.on('error', (error: Error) => stopping || onFatal(error));
  worker.on('exit', (code: number) => stopping || onFatal(new Error(`the worker thread exited with code ${code}`)));
  return {
    post: (request) => worker.postMessage(request),
    poll: () => receiveMessageOnPort(port1)?.message as Reply | undefined,
    terminate: () => {
      stopping = true;
      port1.close();
      void worker.terminate();
    },
  };
}

/** The URL of tsx's ESM API (whose `register()` teaches Node TypeScript), or an error that says to install tsx. */
function tsxApiUrl(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch (error) {
    throw new Error(
      'DataLoader workers: running Kindling from its TypeScript sources, each worker must load TypeScript itself, ' +
        'which needs the npm package tsx (`npm install --save-dev tsx`); or use the compiled package.',
      { cause: error },
    );
  }
}

/** Starts a Web Worker (browser). Its first message is its config; replies come back as messages. */
function startWebWorker(config: WorkerConfig, onReply: (reply: Reply) => void, onFatal: (error: Error) => void): WorkerHandle {
  if (typeof Worker === 'undefined') {
    throw new Error('DataLoader workers need worker_threads (Node) or Web Workers (browsers); neither is available here');
  }
  // written out as `new Worker(new URL('./worker.js', import.meta.url))`, the pattern by which
  // bundlers (Vite, webpack) find the worker's file and ship it
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<Reply>) => onReply(event.data);
  worker.onerror = (event: ErrorEvent) => onFatal(new Error(event.message || 'the worker failed to start'));
  worker.postMessage({ type: 'init', config });
  return {
    post: (request) => worker.postMessage(request),
    terminate: () => worker.terminate(),
  };
}
