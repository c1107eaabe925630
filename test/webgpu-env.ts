/**
 * Whether the webgpu suites can run here, decided once per test file.
 *
 * CI has no GPU: it runs webgpu on SwiftShader, the Vulkan driver on the CPU that Debian's chromium
 * package ships (`.ci/run` installs it). When VK_ICD_FILENAMES is unset and SwiftShader is
 * installed, the tests point Vulkan at it, so every run tests the same (software) adapter with the
 * same small shapes; set KINDLING_WEBGPU_ADAPTER=native to test the machine's own GPU instead.
 *
 * Without any adapter the webgpu suites are skipped, loudly; with KINDLING_REQUIRE_WEBGPU=1 (set by
 * `.ci/run`) that is an error instead, so CI cannot pass without running them.
 */
import { existsSync } from 'node:fs';
import { init } from '../src/device.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Points Vulkan at SwiftShader unless told otherwise (see above). */
export function useSwiftShaderByDefault(): void {
  if (process.env.VK_ICD_FILENAMES || process.env.KINDLING_WEBGPU_ADAPTER === 'native') return;
  if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/** True when `init('webgpu')` works here; false (after a loud warning) when there is no adapter at all. */
export async function webgpuAvailable(): Promise<boolean> {
  useSwiftShaderByDefault();
  try {
    await init('webgpu');
    return true;
  } catch (e) {
    const why = (e as Error).message;
    if (process.env.KINDLING_REQUIRE_WEBGPU) {
      throw new Error(`KINDLING_REQUIRE_WEBGPU is set, but webgpu cannot start here: ${why}`);
    }
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!! SKIPPING every webgpu test: no WebGPU adapter here.',
        `!! ${why}`,
        '!! Install SwiftShader (apt-get install -y chromium) to run them; CI requires them.',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    return false;
  }
}
