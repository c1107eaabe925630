/**
 * `npm run serve`: serves web/dist/ (built by `npm run build:web`) on localhost, with the headers
 * that make the page cross-origin isolated (COOP/COEP), so SharedArrayBuffer exists and the wasm
 * device can use worker threads. A few lines of node:http, no dependency.
 *
 *   npm run serve                 # http://localhost:8080/
 *   npm run serve -- --port 3000  # another port (0: any free one)
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves `root` on localhost; resolves once listening, with the server and its URL. */
export async function serve(root: string, port = 8080, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const headers = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-cache',
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, done);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('serve: no port');
  return { server, url: `http://localhost:${address.port}/` };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8080;
  const root = fileURLToPath(new URL('./dist/', import.meta.url));
  if (!existsSync(join(root, 'index.html'))) {
    console.error('serve: web/dist/ is not built; run `npm run build:web` first');
    process.exit(1);
  }
  const { url } = await serve(root, port);
  console.log(`Kindling playground: ${url}  (Ctrl-C stops it)`);
}
