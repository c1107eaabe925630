/**
 * The `torch` a lesson gets in the playground: the whole library, except that `bestDevice()`
 * answers the device picked on the page (js, wasm or webgpu) instead of choosing one. So
 * `const device = await torch.bestDevice(); x.to(device)` in a lesson runs on the reader's
 * choice. The build (tools/build-web.mjs) points the lessons' `import * as torch from
 * '../src/index.js'` here; nothing else in the library changes.
 */
import { init, type Device } from '../../src/index.js';
import { runtime } from './runtime.js';

export * from '../../src/index.js';

/** The device picked on the page, prepared (`init`) and ready for tensors. */
export async function bestDevice(): Promise<Device> {
  await init(runtime.device);
  return runtime.device;
}
