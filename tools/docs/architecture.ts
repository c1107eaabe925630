/**
 * architecture.html, from the hand-written docs/architecture.md: its links into the repository
 * (`../src/ops/linalg.ts#matmul`, relative to docs/ so that they work on GitHub too) become links
 * to the source pages at the named declaration, and `<!-- line-budget -->` becomes the line
 * budget table, counted now.
 */
import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { page } from './html.js';
import { lineBudget, type BudgetRow } from './line-budget.js';
import { markdown } from './markdown.js';
import type { SourcePages } from './sources.js';

function budgetTable(root: string): string {
  const budget = lineBudget(root);
  const row = (r: BudgetRow, strong = false) => {
    const cell = (v: string | number, num = true) => `<td${num ? ' class="num"' : ''}>${strong ? `<strong>${v}</strong>` : v}</td>`;
    return `<tr>${cell(`<code>${r.folder}</code>`, false)}${cell(r.files)}${cell(r.lines.toLocaleString('en-US'))}${cell(r.code.toLocaleString('en-US'))}</tr>`;
  };
  return `<table>
<tr><th>folder</th><th>files</th><th>lines</th><th>code</th></tr>
${budget.core.map((r) => row(r)).join('\n')}
${row(budget.coreTotal, true)}
<tr><td colspan="4" class="muted">not counted: the backend kernels</td></tr>
${budget.kernels.map((r) => row(r)).join('\n')}
</table>`;
}

export function architecturePage(root: string, sources: SourcePages): string {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const link = (href: string): string => {
    if (/^[a-z]+:/.test(href) || href.startsWith('#')) return href;
    const [path, symbol] = href.split('#');
    const file = normalize(join('docs', path)).split('\\').join('/');
    // a lesson links to its page; another link outside docs/ to the source; the others are site pages
    if (/^lessons\/[^/]+\.ts$/.test(file) && !symbol) return `${file.slice('lessons/'.length, -'.ts'.length)}.html`;
    return file.startsWith('docs/') || !path.startsWith('..') ? href : sources.link(file, symbol);
  };
  const [title, ...rest] = text.split('\n');
  const html = markdown(rest.join('\n').replace('<!-- line-budget -->', budgetTable(root)), { link });
  return page(title.replace(/^#\s*/, ''), `<h1>${title.replace(/^#\s*/, '')}</h1>\n${html}`);
}
