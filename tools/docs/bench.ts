/**
 * bench.html: the benchmarks' results as tables and bar charts, read from bench/results/*.json,
 * which the benches write when run with `--json` (bench/report.ts). A bench without a results
 * file says "not measured yet" and how to measure it. Charts are inline SVG: one group of bars
 * per row, one bar per plotted column.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport, BenchTable } from '../../bench/report.js';
import { escapeHtml, page } from './html.js';
import { inline } from './markdown.js';

/** The benches, with the command that writes each one's results (null: it prints tables only, for now). */
const BENCHES: [name: string, what: string, command: string | null][] = [
  ['wasm', 'The wasm backend against the js reference, tfjs-wasm and PyTorch: matmul, add, the tutorial MLP, and the heap over a long run.', 'npm run bench -- --json bench/results/wasm.json'],
  ['data', 'How fast the DataLoader feeds a training loop, in the main thread and with worker threads.', 'npx tsx bench/data.ts --json bench/results/data.json'],
  ['gpu', 'The webgpu backend: matmul, the tutorial MLP and GPU memory (`npm run bench:gpu`, on a machine with a GPU).', null],
];

const COLORS = ['#c2410c', '#2563eb', '#16a34a', '#9333ea', '#ca8a04', '#0891b2'];

/** A printed cell as a number: `1,234` → 1234, `2.5` → 2.5; `n/a` → undefined. */
const numberOf = (cell: string): number | undefined => {
  const value = Number(cell.replace(/,/g, ''));
  return cell.trim() !== '' && Number.isFinite(value) ? value : undefined;
};

/** A horizontal grouped bar chart of a table's plotted columns, or '' when it has nothing to plot. */
export function barChart(table: BenchTable): string {
  const plot = table.plot;
  if (!plot) return '';
  const columns = plot.columns.map((c) => table.header.indexOf(c)).filter((i) => i >= 0);
  const labels = (plot.labels ?? [table.header[0]]).map((c) => table.header.indexOf(c)).filter((i) => i >= 0 && !columns.includes(i));
  const groups = table.rows.map((row) => ({
    // a lone number names its column: `n = 64`
    label: labels.length === 1 && numberOf(row[labels[0]]) !== undefined ? `${table.header[labels[0]]} = ${row[labels[0]]}` : labels.map((i) => row[i]).join(', '),
    bars: columns.map((i) => ({ value: numberOf(row[i]), shown: row[i] })),
  }));
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
  if (!(max > 0)) return '';
  // about 6.5 px per character of a 12 px label
  const [labelWidth, barArea, barHeight, gap] = [16 + Math.ceil(6.5 * Math.max(0, ...groups.map((g) => g.label.length))), 440, 13, 10];
  const width = labelWidth + barArea + 90;
  const parts: string[] = [];
  // the legend, wrapped to the chart's width (about 7 px per character)
  let [x, y] = [labelWidth, 4];
  columns.forEach((c, k) => {
    const itemWidth = 24 + 7 * table.header[c].length;
    if (x + itemWidth > width && x > labelWidth) [x, y] = [labelWidth, y + 18];
    parts.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${COLORS[k % COLORS.length]}"/><text x="${x + 14}" y="${y + 9}">${escapeHtml(table.header[c])}</text>`);
    x += itemWidth;
  });
  const legendHeight = y + 20;
  const groupHeight = columns.length * barHeight + gap;
  groups.forEach((group, g) => {
    const top = legendHeight + g * groupHeight;
    parts.push(`<text class="label" x="${labelWidth - 8}" y="${top + (columns.length * barHeight) / 2 + 4}" text-anchor="end">${escapeHtml(group.label)}</text>`);
    group.bars.forEach(({ value, shown }, k) => {
      const top2 = top + k * barHeight;
      const w = value === undefined ? 0 : Math.max(1, (value / max) * barArea);
      parts.push(`<rect x="${labelWidth}" y="${top2}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[k % COLORS.length]}"><title>${escapeHtml(`${table.header[columns[k]]}: ${shown}`)}</title></rect>`);
      parts.push(`<text x="${(labelWidth + w + 4).toFixed(1)}" y="${top2 + barHeight - 3}">${escapeHtml(shown)}</text>`);
    });
  });
  const height = legendHeight + groups.length * groupHeight;
  const title = `${table.title.split('\n')[0]} (${plot.unit})`;
  return `<figure><svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">\n${parts.join('\n')}\n</svg><figcaption>${escapeHtml(plot.unit)}${plot.unit.endsWith('/s') ? ': longer bars are faster' : ''}</figcaption></figure>`;
}

function tableHtml(table: BenchTable): string {
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = table.rows.map((r) => `<tr>${r.map((c) => `<td${numberOf(c.replace(/×$/, '')) !== undefined ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<table>\n${head}\n${rows.join('\n')}\n</table>`;
}

/** The results files there are, by bench name. */
export function readResults(root: string): Map<string, BenchReport> {
  const dir = join(root, 'bench', 'results');
  const results = new Map<string, BenchReport>();
  if (!existsSync(dir)) return results;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchReport;
    results.set(report.bench, report);
  }
  return results;
}

export function benchPage(root: string): string {
  const results = readResults(root);
  const known = new Set(BENCHES.map(([name]) => name));
  const others: typeof BENCHES = [...results.keys()].filter((b) => !known.has(b)).map((b) => [b, '', `npx tsx bench/${b}.ts --json bench/results/${b}.json`]);
  const sections = [...BENCHES, ...others].map(([name, what, command]) => {
    const report = results.get(name);
    const heading = `<h2 id="${name}">bench/${name}.ts</h2>\n${what ? `<p>${inline(what)}</p>` : ''}`;
    if (!report && !command) return `${heading}\n<p class="muted">Not measured yet: this bench prints its tables but does not write results for this page.</p>`;
    if (!report) return `${heading}\n<p class="muted">Not measured yet. Run <code>${escapeHtml(command!)}</code>, then <code>npm run docs</code>.</p>`;
    const when = `<p class="note">Measured ${escapeHtml(report.date.slice(0, 10))} with <code>${escapeHtml(report.command)}</code> on ${escapeHtml(report.cpu)} (${report.cores} cores), Node ${escapeHtml(report.node)}.</p>`;
    const notes = report.notes.filter((n) => n.trim()).map((n) => `<li>${escapeHtml(n.trim())}</li>`);
    const tables = report.tables.map((t) => `<h3>${escapeHtml(t.title.split('\n')[0])}</h3>\n${t.title.includes('\n') ? `<p>${escapeHtml(t.title.split('\n').slice(1).join(' '))}</p>` : ''}\n${tableHtml(t)}\n${barChart(t)}`);
    return `${heading}\n${when}\n${notes.length ? `<ul>\n${notes.join('\n')}\n</ul>` : ''}\n${tables.join('\n')}`;
  });
  const body = `<h1>Bench results</h1>
<p>What the benches in <code>bench/</code> measured, the last time each was run with <code>--json</code>. Each figure is the best
of several timed runs on one machine, next to a peer measured in the same run (tfjs, PyTorch); speed is measured here, never by a test.</p>
${sections.join('\n')}`;
  return page('Bench', body);
}
