/**
 * The code that runs inside each DataLoader worker thread (see workers.ts for the main side).
 *
 * A worker rebuilds the dataset from its recipe once, then answers requests: for each list of
 * sample indices it calls `getItem` on each, collates them into a batch, and posts the batch
 * back, transferring the batch's typed arrays instead of copying them. An error while loading a
 * sample is posted back too, with the sample's index, so the main thread can throw it instead of
 * waiting forever.
 */
import { manualSeed } from '../random.js';
import { defaultCollate } from './collate.js';
import type { DatasetLike } from './dataset.js';
import { isNode, nodeModule } from './node.js';
import { pack, unpack } from './recipe.js';
import { setWorkerInfo } from './worker-info.js';
import { serializeError, WORKER_DATA_KEY, type Reply, type StepRequest, type WorkerConfig } from './workers.js';

type Send = (reply: Reply, transfer?: Transferable[]) => void;
type Listen = (handler: (request: StepRequest) => void) => void;

/** Builds the dataset, then serves requests until the main thread terminates this worker. */
async function serve(config: WorkerConfig, send: Send, listen: Listen): Promise<void> {
  let dataset: DatasetLike<unknown>;
  let collate: ((samples: unknown) => unknown) | null;
  try {
    const seed = config.seed + config.workerId;
    setWorkerInfo({ id: config.workerId, numWorkers: config.numWorkers, seed });
    manualSeed(seed); // random transforms draw different numbers in each worker
    dataset = (await unpack(config.dataset)) as DatasetLike<unknown>;
    if (typeof dataset?.getItem !== 'function') throw new TypeError('the worker recipe did not return a dataset (an object with getItem)');
    collate =
      config.collate === 'default'
        ? config.autoBatch
          ? (defaultCollate as (samples: unknown) => unknown)
          : null
        : config.collate === 'none'
          ? null
          : ((await unpack(config.collate)) as (samples: unknown) => unknown);
  } catch (error) {
    send({ type: 'fatal', error: serializeError(error) });
    return;
  }
  // defaultCollate always allocates new tensors, so their memory can move to the main thread;
  // other batches might share memory with the dataset, so they are copied
  const mayTransfer = config.collate === 'default' && config.autoBatch;
  listen(({ epoch, step, indices }) => {
    let index: number | null = null;
    try {
      const samples = indices.map((i) => {
        index = i;
        return dataset.getItem(i);
      });
      index = null;
      const unbatched = config.autoBatch ? samples : samples[0];
      const value = collate ? collate(unbatched) : unbatched;
      const transfer: Transferable[] | undefined = mayTransfer ? [] : undefined;
      send({ type: 'step', epoch, step, value: pack(value, 'batch', transfer) }, transfer);
    } catch (error) {
      send({ type: 'error', epoch, step, index, error: serializeError(error) });
    }
  });
}

// ---- start-up: Node's worker_threads or a browser's Web Worker ----------------------------------

/** True inside a browser's (dedicated) Web Worker. */
function isWebWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
  return scope !== undefined && globalThis instanceof scope;
}

const threads = isNode() ? nodeModule('node:worker_threads') : undefined;

if (threads && !threads.isMainThread && threads.workerData?.[WORKER_DATA_KEY]) {
  // Node: replies go on our own channel, then the shared counter wakes a main thread blocked in Atomics.wait
  const { config, port, signal } = threads.workerData as { config: WorkerConfig; port: import('node:worker_threads').MessagePort; signal: Int32Array };
  const send: Send = (reply, transfer) => {
    port.postMessage(reply, transfer as import('node:worker_threads').Transferable[] | undefined);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  // an error thrown outside a request (in a timer or promise of the dataset's) still reaches the main thread
  process.on('uncaughtException', (error) => send({ type: 'fatal', error: serializeError(error) }));
  void serve(config, send, (handler) => threads.parentPort!.on('message', handler));
} else if (isWebWorker()) {
  // browser: the first message is the config; requests that arrive before the dataset is built wait in a queue
  const scope = globalThis as unknown as {
    onmessage: ((event: { data: { type?: string; config?: WorkerConfig } & StepRequest }) => void) | null;
    postMessage(message: unknown, transfer?: Transferable[]): void;
  };
  const queued: StepRequest[] = [];
  let handler: ((request: StepRequest) => void) | undefined;
  scope.onmessage = ({ data }) => {
    if (data.type === 'init') {
      void serve(
        data.config!,
        (reply, transfer) => scope.postMessage(reply, transfer ?? []),
        (h) => {
          handler = h;
          queued.splice(0).forEach(h);
        },
      );
    } else if (handler) handler(data);
    else queued.push(data);
  };
}
