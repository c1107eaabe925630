/// <reference types="@webgpu/types" />
/**
 * What every kernel module needs: the context (dispatch, pipelines) and a way to get storage.
 */
import type { GpuContext } from './context.js';
import type { GpuStorage } from './storage.js';
import type { GpuDType } from './wgsl.js';

export interface Runtime {
  readonly ctx: GpuContext;
  /** A new storage of `length` elements; its contents are undefined unless `zero`. */
  storage(dtype: GpuDType, length: number, zero?: boolean): GpuStorage;
  /** A short-lived storage for a kernel's scratch space, returned to the pool by `free`. */
  scratch(dtype: GpuDType, length: number, zero?: boolean): GpuStorage;
  /** Returns a storage's buffer to the pool now (a scratch storage, or a temporary from `storage`). */
  free(storage: GpuStorage): void;
}
