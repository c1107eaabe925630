/** `node:url` for lessons in the page: a URL's path stands for the file's path. */
export function fileURLToPath(url: string | URL): string {
  return decodeURIComponent(new URL(url).pathname);
}

export function pathToFileURL(path: string): URL {
  return new URL(`file://${path}`);
}
