/**
 * The browser test's page: runs the workload on webgpu with the browser's own WebGPU
 * (`navigator.gpu`) and leaves the result (or the error) on `window.kindlingResult`.
 */
import * as torch from '../../src/index.js';
import { workload } from './workload.js';

const target = window as unknown as { kindlingResult: Promise<unknown> };
target.kindlingResult = workload(torch, 'webgpu').then(
  (result) => ({ ok: true, result }),
  (error: unknown) => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
