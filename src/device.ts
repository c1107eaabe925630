/**
 * The device registry: maps a device name to the backend that runs its kernels.
 *
 * The tensor layer knows backends only through this registry and the `Backend` interface.
 * `js` is always ready; `wasm` and `webgpu` are registered by their own modules and prepared
 * with `await torch.init(device)`, because loading them is asynchronous.
 */
import type { Backend } from './backend/backend.js';
import { jsBackend } from './backend/js/index.js';

/** A device name, as `x.device` reports it. */
export type Device = 'js' | 'wasm' | 'webgpu';

/** Every device Kindling knows, whether or not it can run here. */
export const devices: readonly Device[] = ['js', 'wasm', 'webgpu'];

/** How to bring up a device: resolves to its backend, or rejects saying what is missing. */
export type BackendLoader = () => Promise<Backend>;

const loaders = new Map<Device, BackendLoader>();
const ready = new Map<Device, Backend>([['js', jsBackend as Backend]]);
// wasm is imported only on `init('wasm')`: nothing loads (or fetches a .wasm file) until then
loaders.set('wasm', () => import('./backend/wasm/index.js').then((wasm) => wasm.loadWasmBackend()));
// webgpu likewise: its module (and in Node the optional `webgpu` package) loads on `init('webgpu')`
loaders.set('webgpu', () => import('./backend/webgpu/index.js').then((webgpu) => webgpu.loadWebGpuBackend()));

/** Throws a TypeError listing the valid devices unless `name` is one of them. */
export function checkDevice(name: unknown): Device {
  if (typeof name === 'string' && (devices as readonly string[]).includes(name)) return name as Device;
  throw new TypeError(`unknown device ${JSON.stringify(name)}; expected one of ${devices.map((d) => `'${d}'`).join(', ')}`);
}

/** Makes a device loadable by `init`. Backend modules call this; users don't need to. */
export function registerBackend(device: Device, loader: BackendLoader): void {
  loaders.set(device, loader);
}

/**
 * Prepares a device's backend (loads wasm, requests a GPU adapter). Safe to call again.
 * @example
 * await torch.init('js');
 * torch.isAvailable('js'); // true
 */
export async function init(device: Device): Promise<void> {
  const name = checkDevice(device);
  if (ready.has(name)) return;
  const loader = loaders.get(name);
  if (!loader) throw new Error(`device '${name}' is not available in this build of Kindling`);
  ready.set(name, await loader());
}

/**
 * True when the device has been prepared by `init` and tensors can be created on it. The `js`
 * reference backend needs no preparation.
 * @example
 * torch.isAvailable('js'); // true
 */
export function isAvailable(device: Device): boolean {
  return ready.has(checkDevice(device));
}

/** Whether tensors on `device` can be read synchronously (`item()`, `tolist()`…); webgpu cannot. */
export function readsSynchronously(device: Device): boolean {
  return backendOf(device).readSync !== undefined;
}

/** The backend of a prepared device, or an error that says to call `init` first. */
export function backendOf(device: Device): Backend {
  const backend = ready.get(checkDevice(device));
  if (!backend) throw new Error(`device '${device}' is not initialised: call \`await torch.init('${device}')\` first`);
  return backend;
}

/**
 * Sets how many threads the `wasm` device's kernels use, like `torch.set_num_threads` (async:
 * it may start workers). The default is the number of cores; results are identical for any count.
 * @example
 * await torch.setNumThreads(1);
 * torch.getNumThreads(); // 1
 */
export async function setNumThreads(n: number): Promise<void> {
  await init('wasm');
  const wasm = await import('./backend/wasm/index.js');
  await wasm.setNumThreads(n);
}

/**
 * How many threads the `wasm` device's kernels use: once it is initialised, its worker pool's
 * size (all cores by default); before, the cores the runtime reports.
 * @example
 * typeof torch.getNumThreads(); // 'number'
 */
export function getNumThreads(): number {
  const wasm = ready.get('wasm') as { pool?: { numThreads: number } } | undefined;
  if (wasm) return wasm.pool?.numThreads ?? 1;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/**
 * The fastest device that can run here: `webgpu` on a real (non-fallback) GPU adapter, else
 * `wasm` when it loads, else `js`.
 * @example
 * const device = await torch.bestDevice();
 * torch.isAvailable(device); // true
 */
export async function bestDevice(): Promise<Device> {
  for (const device of ['webgpu', 'wasm'] as const) {
    if (!loaders.has(device)) continue;
    try {
      await init(device);
      // a software adapter (SwiftShader) is correct but slower than wasm: not the best device
      if ((backendOf(device) as { fallbackAdapter?: boolean }).fallbackAdapter) continue;
      return device;
    } catch {
      // not available here; try the next one
    }
  }
  return 'js';
}
