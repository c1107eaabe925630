/**
 * What a bench prints, kept for `--json FILE`: its header lines and its tables (title, header and
 * rows as printed, and which columns the docs may plot). `npm run docs` renders these files
 * (tools/docs/bench.ts) from bench/results/<bench>.json:
 *
 *     npm run bench -- --json bench/results/wasm.json
 *     npx tsx bench/data.ts --json bench/results/data.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname } from 'node:path';

/** Prints a table as Markdown, numbers right-aligned, then a blank line. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log();
}

export interface BenchTable {
  title: string;
  header: string[];
  /** The cells as printed (`1,234`, `2.50×`, `n/a`). */
  rows: string[][];
  /** Columns worth a bar chart, in one unit; `labels` name each row (the first column by default). */
  plot?: { unit: string; columns: string[]; labels?: string[] };
}

export interface BenchReport {
  bench: string;
  command: string;
  date: string;
  node: string;
  cpu: string;
  cores: number;
  notes: string[];
  tables: BenchTable[];
}

export class Report {
  private readonly notes: string[] = [];
  private readonly tables: BenchTable[] = [];

  constructor(private readonly bench: string) {}

  /** Prints a line of the header (machine, versions) and keeps it. */
  note(line: string): void {
    console.log(line);
    this.notes.push(line);
  }

  /** Keeps a table that the bench has printed. */
  table(table: BenchTable): void {
    this.tables.push(table);
  }

  /** Writes everything kept to the file named after `--json`, when there is one. */
  save(): void {
    const flag = process.argv.indexOf('--json');
    if (flag < 0) return;
    const file = process.argv[flag + 1];
    if (!file) throw new Error('--json needs a file name: --json bench/results/<bench>.json');
    const report: BenchReport = {
      bench: this.bench,
      command: `npx tsx bench/${this.bench}.ts ${process.argv.slice(2).filter((a, i, all) => a !== '--json' && all[i - 1] !== '--json').join(' ')}`.trim(),
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      notes: this.notes,
      tables: this.tables,
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.error(`wrote ${file}`);
  }
}
