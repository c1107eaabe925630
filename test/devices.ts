/**
 * The devices every per-device suite runs on (`describe.each(devices)`). Each new backend
 * appends its name here once it passes the suites; each suite calls `await init(device)` first.
 *
 * webgpu is included when an adapter exists (SwiftShader in CI: see webgpu-env.ts). To run the
 * suites on some devices only, set KINDLING_TEST_DEVICES, e.g. `KINDLING_TEST_DEVICES=webgpu`.
 */
import type { Device } from '../src/device.js';
import { webgpuAvailable } from './webgpu-env.js';

const only = process.env.KINDLING_TEST_DEVICES?.split(',').map((d) => d.trim());
const wanted = (d: Device) => !only || only.includes(d);

export const devices: Device[] = [
  ...(['js', 'wasm'] as const).filter(wanted),
  ...(wanted('webgpu') && (await webgpuAvailable()) ? (['webgpu'] as const) : []),
];

/** webgpu has no float64 (WGSL has none): per-device suites leave float64 out there. */
export const hasFloat64 = (device: Device): boolean => device !== 'webgpu';

/** The float dtypes a device stores: float32 and float64, or float32 alone on webgpu. */
export const floatDTypes = (device: Device): ('float32' | 'float64')[] => (hasFloat64(device) ? ['float32', 'float64'] : ['float32']);

/**
 * Whether the tensor layer can read a device's tensors synchronously. webgpu cannot (`await
 * x.data()` works everywhere): ops whose result's shape or type depends on values (bool masks,
 * nonzero, oneHot without numClasses, equal/allclose) refuse webgpu tensors, and index checks
 * fail at the next read there rather than at the call; tests use this to tell the two apart.
 */
export const readsSync = (device: Device): boolean => device !== 'webgpu';
