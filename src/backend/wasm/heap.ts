/**
 * The wasm heap: tensor storage in the module's linear memory, and how it is reclaimed.
 *
 * Allocation is two-tiered over a bump pointer. A small request (up to 64 KiB) is rounded up to
 * its size class (powers of two split in four: 64, 80, 96, 112, 128, 160, … bytes, so at most
 * 25% is wasted); a freed small block goes on its class's free list and the next request of that
 * class takes it back. A large request is rounded up to whole 64 KiB units and takes the best
 * fitting free range (address-ordered, merged with its neighbours when freed, so space freed by
 * one size serves another). A training loop asks for the same sizes every step, so after the
 * first steps every request is served from freed blocks and the heap stops growing. The bump
 * pointer only moves when nothing freed fits; when it reaches the end of memory, memory grows.
 *
 * Reclaiming: users never free anything. Each storage handle is registered with a
 * FinalizationRegistry that puts its block back on the free lists once it is unreachable; as V8
 * does not see wasm memory, the heap runs collections itself when it would otherwise grow
 * (../reclaim.ts explains when). `dispose()` frees at once.
 */

import { loadCollector, Reclaimer, type Reclaim } from '../reclaim.js';

/** A storage in wasm memory: the opaque handle tensors of the `wasm` device hold. */
export class WasmStorage {
  constructor(
    /** Byte address in linear memory, or -1 once disposed. */
    public ptr: number,
    /** Bytes reserved (the size class). */
    readonly bytes: number,
    /** Bytes the storage's elements take (what was asked for). */
    readonly used: number,
  ) {}
}

const PAGE = 65536;
/** Bounds of the heap's collection threshold (bytes handed out between forced collections). */
const MIN_COLLECT_BYTES = 32 << 20;
const MAX_COLLECT_BYTES = 256 << 20;

/** Blocks above this size are large: carved from coalescing free ranges instead of class lists. */
const LARGE = 64 << 10;

/** The bytes a request occupies: its size class when small, whole 64 KiB units when large. */
export function blockSize(bytes: number): number {
  return bytes <= LARGE ? sizeClass(bytes) : Math.ceil(bytes / LARGE) * LARGE;
}

/** The size class of a request: the smallest of 64·2^k·{1, 1.25, 1.5, 1.75} that holds it. */
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  const quarter = pow / 4;
  return Math.ceil(bytes / quarter) * quarter;
}

export interface HeapStats {
  /** Bytes of linear memory (what the process pays). */
  memoryBytes: number;
  /** The furthest the heap has reached from its start: its high-water mark. */
  highWaterBytes: number;
  /** Bytes in blocks held by live storages. */
  liveBytes: number;
  /** Bytes in blocks waiting on free lists. */
  pooledBytes: number;
  /** Synchronous collections run so far. */
  collections: number;
  reclaim: Reclaim;
}

export class Heap {
  private top: number;
  private readonly base: number;
  private readonly free = new Map<number, number[]>();
  private liveBytes = 0;
  private pooledBytes = 0;
  private buffer: ArrayBufferLike | undefined;
  private views!: { u8: Uint8Array; i32: Int32Array; f32: Float32Array; f64: Float64Array };
  private readonly reclaimer: Reclaimer<number>;

  private constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    this.base = this.top = Math.ceil(heapBase / 64) * 64;
    this.reclaimer = new Reclaimer({
      release: (ptr) => this.release(ptr),
      liveBytes: () => this.liveBytes,
      minBytes: MIN_COLLECT_BYTES,
      maxBytes: MAX_COLLECT_BYTES,
    });
  }

  /** A heap over `memory` from `heapBase`, once the collector it reclaims with is loaded. */
  static async create(memory: WebAssembly.Memory, heapBase: number): Promise<Heap> {
    await loadCollector();
    return new Heap(memory, heapBase);
  }

  get reclaim(): Reclaim {
    return this.reclaimer.mode;
  }

  // ---- typed views of memory: rebuilt whenever memory has grown (a new buffer) -------------------

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.views = { u8: new Uint8Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
  }
  get u8(): Uint8Array {
    this.refresh();
    return this.views.u8;
  }
  get i32(): Int32Array {
    this.refresh();
    return this.views.i32;
  }
  get f32(): Float32Array {
    this.refresh();
    return this.views.f32;
  }
  get f64(): Float64Array {
    this.refresh();
    return this.views.f64;
  }

  // ---- raw blocks ---------------------------------------------------------------------------------

  /** Free ranges of large blocks, in address order (parallel arrays of start and size). */
  private readonly rangeStarts: number[] = [];
  private readonly rangeSizes: number[] = [];
  private peak = 0;

  /** A free block of exactly `size` bytes (a class size, or whole large units), if one is waiting. */
  private takeFree(size: number): number | undefined {
    if (size <= LARGE) {
      const ptr = this.free.get(size)?.pop();
      if (ptr !== undefined) this.pooledBytes -= size;
      return ptr;
    }
    // best fit among the free ranges; the rest of the range stays free
    const { rangeStarts: starts, rangeSizes: sizes } = this;
    let best = -1;
    for (let i = 0; i < starts.length; i++) if (sizes[i] >= size && (best < 0 || sizes[i] < sizes[best])) best = i;
    if (best < 0) return undefined;
    const ptr = starts[best];
    if (sizes[best] === size) {
      starts.splice(best, 1);
      sizes.splice(best, 1);
    } else {
      starts[best] += size;
      sizes[best] -= size;
    }
    this.pooledBytes -= size;
    return ptr;
  }

  /** A block of at least `bytes` bytes (contents undefined), 16-byte aligned. */
  allocBlock(bytes: number): { ptr: number; size: number } {
    const size = blockSize(bytes);
    const ptr = this.takeFree(size) ?? this.reclaimer.reclaim(() => this.takeFree(size)) ?? this.bump(size, bytes);
    this.liveBytes += size;
    return { ptr, size };
  }

  /** A new block at the bump pointer, growing memory when it runs past the end. */
  private bump(size: number, bytes: number): number {
    const ptr = this.top;
    this.top += size;
    this.peak = Math.max(this.peak, this.top);
    const needed = this.top - this.memory.buffer.byteLength;
    if (needed > 0) {
      // grow by what is needed, and at least an eighth of the current size, to grow rarely
      const pages = Math.max(Math.ceil(needed / PAGE), Math.ceil(this.memory.buffer.byteLength / PAGE / 8));
      try {
        this.memory.grow(pages);
      } catch {
        this.top -= size;
        throw new RangeError(`wasm: out of memory allocating ${bytes} bytes (heap ${this.top - this.base} bytes)`);
      }
    }
    return ptr;
  }

  /**
   * Returns a block: a small one to its class's free list; a large one into the address-ordered
   * free ranges, merged with the free ranges it touches (and handed back to the bump pointer when
   * it ends at the top), so large blocks of any size can reuse the space.
   */
  freeBlock(ptr: number, size: number): void {
    this.liveBytes -= size;
    this.pooledBytes += size;
    if (size <= LARGE) {
      let list = this.free.get(size);
      if (!list) this.free.set(size, (list = []));
      list.push(ptr);
      return;
    }
    const { rangeStarts: starts, rangeSizes: sizes } = this;
    let i = 0;
    let hi = starts.length;
    while (i < hi) {
      const mid = (i + hi) >> 1;
      if (starts[mid] < ptr) i = mid + 1;
      else hi = mid;
    }
    starts.splice(i, 0, ptr);
    sizes.splice(i, 0, size);
    if (i + 1 < starts.length && ptr + sizes[i] === starts[i + 1]) {
      sizes[i] += sizes[i + 1];
      starts.splice(i + 1, 1);
      sizes.splice(i + 1, 1);
    }
    if (i > 0 && starts[i - 1] + sizes[i - 1] === ptr) {
      sizes[i - 1] += sizes[i];
      starts.splice(i, 1);
      sizes.splice(i, 1);
    }
    const last = starts.length - 1;
    if (last >= 0 && starts[last] + sizes[last] === this.top) {
      this.top = starts[last];
      this.pooledBytes -= sizes[last];
      starts.pop();
      sizes.pop();
    }
  }

  // ---- storages: blocks owned by handles, reclaimed when the handle is unreachable -------------------

  private readonly sizes = new Map<number, number>();

  /** A new storage of `bytes` bytes (at least one block); zero-filled when `zero`. */
  allocStorage(bytes: number, zero: boolean): WasmStorage {
    const { ptr, size } = this.allocBlock(Math.max(bytes, 1));
    if (zero) this.u8.fill(0, ptr, ptr + size);
    const storage = new WasmStorage(ptr, size, bytes);
    this.sizes.set(ptr, size);
    this.reclaimer.register(storage, ptr, size);
    return storage;
  }

  /** Frees a storage now (`dispose`); later use of it is an error. Idempotent. */
  dispose(storage: WasmStorage): void {
    if (storage.ptr < 0) return;
    this.reclaimer.unregister(storage, storage.bytes);
    this.release(storage.ptr);
    storage.ptr = -1;
  }

  private release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.freeBlock(ptr, size);
  }

  /** Runs a full garbage collection and frees every storage it found unreachable (Node only). */
  collect(): void {
    this.reclaimer.collect();
  }

  stats(): HeapStats {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      highWaterBytes: Math.max(this.peak, this.top) - this.base,
      liveBytes: this.liveBytes,
      pooledBytes: this.pooledBytes,
      collections: this.reclaimer.collections,
      reclaim: this.reclaim,
    };
  }
}
