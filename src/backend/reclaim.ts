/**
 * Reclaiming the storage of unreachable tensors, for backends whose memory V8 cannot see: wasm
 * linear memory (wasm/heap.ts) and GPU buffers (webgpu/pool.ts).
 *
 * Users never free tensors, so each storage handle is registered with a FinalizationRegistry that
 * hands its memory back once the handle (and every tensor viewing it) is unreachable. The catch: a
 * FinalizationRegistry reports only after a *full* garbage collection, and V8 runs those when the
 * JavaScript heap fills up. A tensor's handle is a few dozen bytes of JS heap in front of
 * kilobytes or megabytes of storage, so a training loop can fill wasm memory or the GPU long before
 * V8 sees a reason to collect. On an H200 the webgpu training step of bench/gpu.ts, at batch 1024,
 * went from 1.9 to 7.2 GiB of live buffers in 150 steps without one full collection.
 *
 * So the backend asks for collections itself. Where the runtime allows it (Node: `gc` and
 * `FinalizationRegistry.prototype.cleanupSome`, from a fresh context made with the V8 flags that
 * expose them), a backend that finds nothing free to reuse first takes back what V8's own
 * collections found (`cleanupSome()`: cheap), and if that is not enough and more than a threshold
 * of bytes has been handed out since the last collection, runs `gc()` and `cleanupSome()` to free
 * everything unreachable, before it allocates more. Elsewhere (browsers) reports arrive between
 * tasks after V8's own collections; `Tensor.dispose()` frees at once everywhere.
 *
 * A forced collection costs a few milliseconds whatever the heap's size (V8 runs several passes to
 * find everything unreachable), so the threshold adapts to keep collections under about 5 % of the
 * time: it doubles when a collection took more than 5 % of the time since the previous one and
 * halves under 1 %, between the bounds the backend gives. It is never below the bytes that were
 * live after the last collection, so a collection at least halves what a loop has allocated.
 */

/** How a backend reclaims unreachable storage: 'sync' (collects itself) or 'async' (reports between tasks). */
export type Reclaim = 'sync' | 'async';

interface Collector {
  gc: () => void;
  Registry: typeof FinalizationRegistry;
}

/** The Node collector once `loadCollector` has resolved (undefined before, and outside Node). */
let collector: Collector | undefined;
let loading: Promise<void> | undefined;

/**
 * Finds `gc` and a FinalizationRegistry with `cleanupSome` (Node only: from a fresh context made
 * with the V8 flags that expose them, flags restored right after). Backends await it once while
 * they load, so that their Reclaimers can be made synchronously.
 */
export function loadCollector(): Promise<void> {
  loading ??= (async () => {
    if (typeof process === 'undefined' || !process.versions?.node) return;
    try {
      const v8 = await import('node:v8');
      const vm = await import('node:vm');
      v8.setFlagsFromString('--expose-gc');
      v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
      const context = vm.createContext({});
      const gc = vm.runInContext('typeof gc === "function" ? gc : undefined', context) as (() => void) | undefined;
      const Registry = vm.runInContext('FinalizationRegistry', context) as typeof FinalizationRegistry;
      v8.setFlagsFromString('--no-harmony-weak-refs-with-cleanup-some');
      v8.setFlagsFromString('--no-expose-gc');
      if (gc && typeof (Registry.prototype as { cleanupSome?: unknown }).cleanupSome === 'function') collector = { gc, Registry };
    } catch {
      // not allowed here: reports arrive after V8's own collections ('async')
    }
  })();
  return loading;
}

export interface ReclaimerOptions<H> {
  /** Gives back the memory described by `held` (never the handle itself, or it could not be collected). */
  release: (held: H) => void;
  /** Bytes held by live storages now. */
  liveBytes: () => number;
  /** Bounds of the adaptive collection threshold, in bytes handed out since the last collection. */
  minBytes: number;
  maxBytes: number;
}

export class Reclaimer<H> {
  /** Collections run so far by `reclaim`. */
  collections = 0;
  private readonly registry: FinalizationRegistry<H>;
  private handedOut = 0;
  private liveAfterCollect = 0;
  private threshold: number;
  private lastCollectEnd = 0;

  private readonly collector = collector;

  /** Collects synchronously ('sync') when `loadCollector()` has resolved before, and found a collector. */
  constructor(private readonly options: ReclaimerOptions<H>) {
    const Registry = this.collector?.Registry ?? FinalizationRegistry;
    this.registry = new Registry<H>(options.release);
    this.threshold = options.minBytes;
  }

  get mode(): Reclaim {
    return this.collector ? 'sync' : 'async';
  }

  /** Reclaims `held` when `handle` becomes unreachable; `bytes` count towards the next collection. */
  register(handle: object, held: H, bytes: number): void {
    this.registry.register(handle, held, handle);
    this.handedOut += bytes;
  }

  /**
   * Forgets `handle`, whose `bytes` were freed explicitly (`dispose`): they no longer count
   * towards the next collection, so code that disposes what it allocates never makes the backend
   * collect. (When they still counted, a loop that made and disposed a 4 MiB tensor ran a full
   * collection every few dozen iterations — the freed block goes back to the bump pointer, so the
   * next request finds nothing free and asks to reclaim: about 100 µs an iteration instead of 0.4.)
   */
  unregister(handle: object, bytes: number): void {
    // a handle that was never registered (a scratch storage) never counted
    if (this.registry.unregister(handle)) this.handedOut = Math.max(0, this.handedOut - bytes);
  }

  /**
   * Called when nothing free fits a request: frees what collections have found unreachable, then
   * runs a collection if one is due, calling `take` after each to retry. Returns what `take` found.
   */
  reclaim<T>(take: () => T | undefined): T | undefined {
    if (!this.collector) return undefined;
    this.cleanup();
    const found = take();
    if (found !== undefined || this.handedOut <= Math.max(this.threshold, this.liveAfterCollect)) return found;
    this.collect();
    return take();
  }

  /** Runs a full collection and frees everything it found unreachable (Node only). */
  collect(): void {
    if (!this.collector) return;
    const start = performance.now();
    this.collector.gc();
    this.cleanup();
    const end = performance.now();
    const since = start - this.lastCollectEnd;
    const { minBytes, maxBytes } = this.options;
    if (end - start > 0.05 * since) this.threshold = Math.min(this.threshold * 2, maxBytes);
    else if (end - start < 0.01 * since) this.threshold = Math.max(this.threshold / 2, minBytes);
    this.lastCollectEnd = end;
    this.collections++;
    this.handedOut = 0;
    this.liveAfterCollect = this.options.liveBytes();
  }

  private cleanup(): void {
    (this.registry as unknown as { cleanupSome(): void }).cleanupSome();
  }
}
