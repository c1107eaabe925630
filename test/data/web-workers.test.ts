/**
 * The browser side of DataLoader workers (Web Workers), run in Node: the main thread is told it
 * is not in Node, `globalThis.Worker` is a stand-in with the Web Worker API (`postMessage`,
 * `onmessage`, `onerror`, `terminate`) built on a worker thread, and inside that thread the
 * global scope is dressed up as a `WorkerGlobalScope` with `self.onmessage` and `self.postMessage`.
 * So the messages take the browser's path on both sides: the config as the first message,
 * replies through `postMessage`, and `for await` waiting on message events.
 */
import { Worker as NodeWorker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index.js';
import { Numbered } from './fixtures/portable.js';

// the main thread is "not Node": WorkerPool takes the Web Worker path
vi.mock('../../src/data/node.js', async (importOriginal) => ({ ...(await importOriginal<object>()), isNode: () => false }));

/** The Web Worker API, on a Node worker thread whose global scope looks like a browser worker's. */
class FakeWebWorker {
  static started = 0;
  static terminated = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  private readonly thread: NodeWorker;

  constructor(url: URL, options: { type: string }) {
    expect(options.type).toBe('module');
    expect(url.pathname.endsWith('/src/data/worker.js')).toBe(true);
    const module = url.href.replace(/\.js$/, '.ts'); // the sources are TypeScript
    const bootstrap = `
      const { parentPort } = require('node:worker_threads');
      class WorkerGlobalScope {}
      Object.setPrototypeOf(globalThis, WorkerGlobalScope.prototype);
      globalThis.WorkerGlobalScope = WorkerGlobalScope;
      globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
      Object.defineProperty(globalThis, 'onmessage', { set(handler) { parentPort.on('message', (data) => handler({ data })); } });
      import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(module)}));
    `;
    this.thread = new NodeWorker(bootstrap, { eval: true, execArgv: [] });
    this.thread.on('message', (data) => this.onmessage?.({ data }));
    this.thread.on('error', (error) => this.onerror?.({ message: error.message }));
    FakeWebWorker.started++;
  }

  postMessage(message: unknown): void {
    this.thread.postMessage(message);
  }

  terminate(): void {
    FakeWebWorker.terminated++;
    void this.thread.terminate();
  }
}

beforeAll(() => vi.stubGlobal('Worker', FakeWebWorker));
afterAll(() => vi.unstubAllGlobals());

const labels = (batch: [torch.Tensor, torch.Tensor]) => batch[1].tolist();

describe('DataLoader workers in a browser (Web Workers)', () => {
  it('for await gives the same batches as numWorkers: 0, and the workers stop at the end', async () => {
    const make = (numWorkers: number) => new torch.data.DataLoader(new Numbered(23), { batchSize: 4, shuffle: true, generator: new torch.Generator(3), numWorkers });
    const got: unknown[] = [];
    for await (const batch of make(2)) got.push(labels(batch));
    expect(got).toEqual([...make(0)].map(labels));
    expect(FakeWebWorker.started).toBe(2);
    expect(FakeWebWorker.terminated).toBe(2);
  });

  it('for … of cannot wait in a browser, and says to use for await', () => {
    const loader = new torch.data.DataLoader(new Numbered(4), { numWorkers: 1 });
    expect(() => [...loader]).toThrow('in a browser, a DataLoader with numWorkers > 0 must be iterated with `for await`');
  });

  it('an error in a worker surfaces with the sample index', async () => {
    const loader = new torch.data.DataLoader(new Numbered(10, { throwAt: 6 }), { batchSize: 2, numWorkers: 2 });
    const run = async () => {
      for await (const _ of loader);
    };
    await expect(run()).rejects.toThrow('Caught RangeError in DataLoader worker 1 while loading sample 6: sample 6 is broken');
  });
});
