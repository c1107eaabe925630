/**
 * The site's link check: every `href` and `src` of the pages this generator writes (not typedoc's
 * own pages, only links into them) must name a file in the site, and its `#anchor` an `id` in that
 * file. External links (`https:`) are not followed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? htmlFiles(path) : entry.name.endsWith('.html') ? [path] : [];
  });
}

/** Broken links, as `page: href (why)`; empty when every link resolves. */
export function brokenLinks(site: string): string[] {
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    if (!ids.has(file)) ids.set(file, new Set([...readFileSync(file, 'utf8').matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1])));
    return ids.get(file)!;
  };
  const broken: string[] = [];
  const pages = htmlFiles(site).filter((f) => !relative(site, f).startsWith('api'));
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, href] of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto:, data:
      const [path, anchor] = href.replace(/&amp;/g, '&').split('#');
      const target = path === '' ? page : join(dirname(page), decodeURIComponent(path));
      const name = `${relative(site, page)}: ${href}`;
      if (!existsSync(target) || statSync(target).isDirectory()) broken.push(`${name} (no such file)`);
      else if (anchor && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(anchor))) broken.push(`${name} (no id "${anchor}" there)`);
    }
  }
  return broken;
}
