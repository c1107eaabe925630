/**
 * Node.js built-ins and npm packages, loaded when first needed rather than imported at the top.
 *
 * Reading FashionMNIST, writing PNG files and starting `worker_threads` only make sense in Node.
 * If this folder imported `node:fs` or `pngjs` at the top, `import * as torch from 'kindling'`
 * would fail in a browser even for code that never touches a file. So these functions fetch a
 * module at the moment it is used: `process.getBuiltinModule` for Node's own modules (Node 20.16
 * and later), and Node's `require` for the CommonJS packages `pngjs` and `cli-progress`.
 */

/** The built-in modules this folder uses. (`typeof import(...)` is only a type: nothing is imported.) */
interface BuiltIns {
  'node:fs': typeof import('node:fs');
  'node:path': typeof import('node:path');
  'node:url': typeof import('node:url');
  'node:zlib': typeof import('node:zlib');
  'node:module': typeof import('node:module');
  'node:worker_threads': typeof import('node:worker_threads');
}

/** True when running in Node.js (in the main thread or a worker thread). */
export function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string';
}

/**
 * One of Node's built-in modules, such as `'node:fs'`; elsewhere, an error that names the
 * feature that needs it.
 */
export function nodeModule<ID extends keyof BuiltIns>(id: ID, feature: string = id): BuiltIns[ID] {
  const get = isNode() ? globalThis.process.getBuiltinModule : undefined;
  if (!get) throw new Error(`${feature} needs Node.js 20.16 or later (it uses ${id}, which browsers do not have)`);
  return get(id) as BuiltIns[ID];
}

/**
 * Node's `require`, for the CommonJS packages this folder uses (`pngjs`, `cli-progress`,
 * `fashion-mnist`), resolved from this file's location like an `import` would be.
 */
export function nodeRequire(from: string | URL = import.meta.url): NodeJS.Require {
  return nodeModule('node:module').createRequire(from);
}

/**
 * An npm package, or an error that says which package to install and why, e.g.
 * `requirePackage<typeof import('pngjs')>('pngjs', 'writing PNG files')`.
 */
export function requirePackage<T>(name: string, purpose: string): T {
  const require = nodeRequire();
  try {
    return require(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new Error(`${purpose} needs the npm package '${name}': run \`npm install ${name}\``, { cause: error });
    }
    throw error;
  }
}
