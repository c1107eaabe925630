/**
 * What a running lesson shares with the page: the device the reader picked, and where the files
 * it writes go. One module instance serves the app and every lesson bundle (esbuild splits it
 * into a shared chunk), so the shims in shims/ and the app see the same state.
 */
import type { Device } from '../../src/index.js';

export interface LessonRuntime {
  /** The device the reader picked: what `torch.bestDevice()` answers inside a lesson. */
  device: Device;
  /** Called with each file the lesson writes (`writeFileSync`). */
  onFile(path: string, data: string | Uint8Array): void;
}

export const runtime: LessonRuntime = {
  device: 'js',
  onFile: () => {},
};

/** Files written during this run, by path (so a lesson can read back what it wrote). */
export const files = new Map<string, string | Uint8Array>();
