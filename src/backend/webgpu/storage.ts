/// <reference types="@webgpu/types" />
/**
 * The webgpu storage handle: a GPUBuffer, how many elements of which dtype it holds, and the size
 * class it was taken from. The tensor layer keeps it opaque; when it becomes unreachable the pool
 * takes its buffer back (pool.ts).
 */
import type { View } from '../backend.js';
import type { GpuDType } from './wgsl.js';

export class GpuStorage {
  /** null once disposed. */
  private _buffer: GPUBuffer | null;
  constructor(
    buffer: GPUBuffer,
    readonly dtype: GpuDType,
    /** Elements it holds (4 bytes each: f32, i32, or a bool as u32). */
    readonly length: number,
    /** Bytes of the pooled buffer (its size class). */
    readonly bytes: number,
  ) {
    this._buffer = buffer;
  }

  get buffer(): GPUBuffer {
    if (!this._buffer) throw new Error('webgpu: this tensor was disposed; its storage can no longer be used');
    return this._buffer;
  }

  get disposed(): boolean {
    return this._buffer === null;
  }

  /** @internal Marks it disposed and hands the buffer over (to the pool). */
  _take(): GPUBuffer | null {
    const b = this._buffer;
    this._buffer = null;
    return b;
  }
}

export type GpuView = View<GpuStorage>;
