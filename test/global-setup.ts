/**
 * Runs once before the test files: builds the wasm kernels when they are missing or stale, so
 * `npx vitest run` works on a fresh clone without `npm test`'s pretest hook.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['tools/build-wasm.mjs'], { stdio: 'inherit' });
}
