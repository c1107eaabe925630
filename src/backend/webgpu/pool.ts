/// <reference types="@webgpu/types" />
/**
 * GPU memory: a pool of buffers by size class, refilled automatically when tensors die.
 *
 * Why a pool: creating a GPUBuffer costs a driver allocation (and on some platforms a page-table
 * update), and a training step makes dozens of same-sized temporaries (activations, gradients);
 * step n+1 reuses step n's buffers instead. Sizes are rounded up to a class of the form m·2^e with
 * m in {4, 5, 6, 7} (quarter steps between powers of two), so a buffer fits many nearby sizes and
 * wastes at most a quarter.
 *
 * Why a FinalizationRegistry: PyTorch users never free tensors, so neither do Kindling's. When a
 * storage handle becomes unreachable the registry hands its buffer back. V8 does not see GPU
 * memory, so the pool asks for collections itself when nothing pooled fits a request
 * (../reclaim.ts explains when): on an H200, before it did, a training loop at batch 1024 went from
 * 1.9 to 7.2 GiB of live buffers in 150 steps. `Tensor.dispose()` (the backend's `free`) hands a
 * buffer back at once.
 *
 * One ordering rule: `queue.writeBuffer` (an upload) runs before any command still waiting in the
 * open command encoder. A buffer released during the current batch may still be read by such a
 * command, so an upload only takes buffers released before the current batch (`epoch`); kernels,
 * which are encoded in order, may take any.
 */
import { Reclaimer } from '../reclaim.js';

/**
 * Bounds of the collection threshold (bytes handed out between forced collections): a training
 * step at batch 64 hands out a few MiB, so collections come every few dozen steps at most.
 */
const MIN_COLLECT_BYTES = 64 << 20;
const MAX_COLLECT_BYTES = 1 << 30;

/** Bytes of the size class that holds `bytes` (at least 256). */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const e = Math.floor(Math.log2(bytes)) - 2; // bytes = m·2^e with m in [4, 8)
  const step = 2 ** e;
  return Math.ceil(bytes / step) * step;
}

interface Pooled {
  buffer: GPUBuffer;
  /** Its number, in order of creation (`ids`). */
  id: number;
  /** The batch (epoch) in which it was released. */
  releasedAt: number;
}

/**
 * The free buffers of one size class as a binary min-heap by id: `take` wants the lowest id, and a
 * training loop can leave thousands of buffers in a class between two collections (finalizers
 * return a step's buffers only after a full collection), where a scan per take cost more than the
 * rest of the launch.
 */
class FreeList {
  readonly items: Pooled[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: Pooled): void {
    const { items } = this;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].id <= entry.id) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = entry;
  }

  /** Removes and returns the entry with the lowest id. */
  pop(): Pooled | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      // sift the last entry down from the root
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const child = left + 1 < items.length && items[left + 1].id < items[left].id ? left + 1 : left;
        if (items[child].id >= last.id) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  /** The lowest-id entry released before batch `before`: entries released later are set aside and put back. */
  popReleasedBefore(before: number): Pooled | undefined {
    const later: Pooled[] = [];
    let entry: Pooled | undefined;
    while ((entry = this.pop()) && entry.releasedAt >= before) later.push(entry);
    for (const e of later) this.push(e);
    return entry;
  }
}

/** What a storage's finalizer needs: never the storage itself, or it could not be collected. */
interface Held {
  buffer: GPUBuffer;
  bytes: number;
}

export interface MemoryStats {
  /** Bytes in buffers that hold live tensors. */
  liveBytes: number;
  /** Bytes in buffers waiting in the pool for reuse. */
  pooledBytes: number;
  /** Buffers created since the device started (a flat count in a loop means the pool works). */
  buffersCreated: number;
  /** Buffers reused from the pool. */
  reuses: number;
  /** Garbage collections the pool ran to find unreachable tensors (../reclaim.ts). */
  collections: number;
}

/** Usage of every storage buffer: bound to kernels, and copied in (uploads) and out (reads). */
export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export class BufferPool {
  private readonly free = new Map<number, FreeList>();
  private readonly reclaimer: Reclaimer<Held>;
  private live = 0;
  private pooled = 0;
  private created = 0;
  private reused = 0;
  /** Buffers to destroy once the batch that may still use them has been submitted. */
  private doomed: GPUBuffer[] = [];
  /** Each buffer's id: a small integer, in order of creation. */
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 0;

  constructor(
    private readonly device: GPUDevice,
    /**
     * From the context: the current batch number, a way to submit it, and a way to drop what it
     * caches about buffers the pool destroys (its bind groups would otherwise keep them alive).
     */
    private readonly context: { readonly epoch: number; flush(): void; forgetBuffers(buffers: readonly GPUBuffer[]): void },
    /** Above this many pooled bytes a released buffer is destroyed instead of kept. */
    private readonly maxPooledBytes = 1 << 30,
  ) {
    this.reclaimer = new Reclaimer<Held>({
      release: (held) => this.release(held.buffer, held.bytes),
      liveBytes: () => this.live,
      minBytes: MIN_COLLECT_BYTES,
      maxBytes: MAX_COLLECT_BYTES,
    });
  }

  /**
   * A buffer of at least `bytes`, and whether its contents are zero (a new buffer's are).
   * `forUpload`: see the ordering rule above. The caller `track`s it (scratch space is not tracked);
   * either way `dispose` returns it at once.
   */
  acquire(bytes: number, forUpload: boolean): { buffer: GPUBuffer; bytes: number; zeroed: boolean } {
    const size = sizeClass(bytes);
    let found = this.take(size, forUpload) ?? this.reclaimer.reclaim(() => this.take(size, forUpload));
    let zeroed = false;
    if (!found) {
      found = this.device.createBuffer({ size, usage: STORAGE_USAGE });
      this.ids.set(found, this.nextId++);
      this.created++;
      zeroed = true;
    } else {
      this.reused++;
    }
    this.live += size;
    return { buffer: found, bytes: size, zeroed };
  }

  /** Returns `buffer` to the pool when `owner` (its storage handle) is garbage-collected. */
  track(owner: object, buffer: GPUBuffer, bytes: number): void {
    this.reclaimer.register(owner, { buffer, bytes }, bytes);
  }

  /**
   * The free buffer of class `size` with the lowest id, not the last one released: finalizers
   * hand buffers back in an order that changes from step to step, and a buffer has bind groups
   * (context.ts) only for the ways it has been bound before, so an op that gets the buffer it had
   * in an earlier step makes none. (Last-released-first made 6 % more bind groups a step of the
   * tutorial MLP on SwiftShader.)
   */
  private take(size: number, forUpload: boolean): GPUBuffer | undefined {
    const list = this.free.get(size);
    if (!list || list.size === 0) return undefined;
    let entry = forUpload ? list.popReleasedBefore(this.context.epoch) : list.pop();
    if (!entry) {
      // all of them may still be read by the open batch (an upload): submit it, then any will do
      this.context.flush();
      entry = list.pop()!;
    }
    this.pooled -= size;
    return entry.buffer;
  }

  /**
   * Returns `owner`'s buffer to the pool now (the storage must not be used again), and cancels its
   * finalizer if it was tracked: a finalizer that ran later would put the buffer in the pool a
   * second time, to be handed to two storages at once.
   */
  dispose(owner: object, buffer: GPUBuffer, bytes: number): void {
    this.reclaimer.unregister(owner, bytes);
    this.release(buffer, bytes);
  }

  private release(buffer: GPUBuffer, bytes: number): void {
    this.live -= bytes;
    if (this.pooled + bytes > this.maxPooledBytes) {
      this.doomed.push(buffer);
      return;
    }
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = new FreeList()));
    list.push({ buffer, id: this.ids.get(buffer)!, releasedAt: this.context.epoch });
    this.pooled += bytes;
  }

  /** Called after each submit: buffers over the pool's cap can go now. */
  afterSubmit(): void {
    if (this.doomed.length > 0) this.destroy(this.doomed);
    this.doomed = [];
  }

  private destroy(buffers: readonly GPUBuffer[]): void {
    this.context.forgetBuffers(buffers);
    for (const b of buffers) b.destroy();
  }

  /** Destroys every pooled buffer (memory goes back to the driver; live tensors keep theirs). */
  trim(): void {
    this.context.flush();
    this.destroy([...this.free.values()].flatMap((list) => list.items.map((p) => p.buffer)));
    this.free.clear();
    this.pooled = 0;
  }

  stats(): MemoryStats {
    return { liveBytes: this.live, pooledBytes: this.pooled, buffersCreated: this.created, reuses: this.reused, collections: this.reclaimer.collections };
  }
}
