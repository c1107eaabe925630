/**
 * `node:fs` for lessons in the page: files a lesson writes are kept in memory and shown on the
 * page (an SVG or PNG as a picture, text as text), and it can read back what it wrote. Paths
 * are taken relative to '/', the page's working directory.
 */
import { files, runtime } from '../runtime.js';
import { resolve } from './path.js';

export function mkdirSync(_path: string, _options?: unknown): undefined {
  return undefined;
}

export function writeFileSync(path: string, data: string | Uint8Array): void {
  const key = resolve(path);
  files.set(key, data);
  runtime.onFile(key, data);
}

export function existsSync(path: string): boolean {
  return files.has(resolve(path));
}

export function readFileSync(path: string, encoding?: string | { encoding?: string }): string | Uint8Array {
  const data = files.get(resolve(path));
  if (data === undefined) {
    throw Object.assign(new Error(`ENOENT: no such file in the page's memory, open '${path}' (a lesson in the browser reads only files it wrote)`), { code: 'ENOENT' });
  }
  const asText = typeof encoding === 'string' || encoding?.encoding;
  if (asText) return typeof data === 'string' ? data : new TextDecoder().decode(data);
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

export default { mkdirSync, writeFileSync, existsSync, readFileSync };
