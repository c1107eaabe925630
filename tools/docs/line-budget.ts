/**
 * The line budget of the readable core: `src/` without the backend kernels (src/backend/js,
 * src/backend/wasm, src/backend/webgpu), by folder. "Code" lines are those neither blank nor only
 * a comment. The kernels are counted too, apart, for reference.
 *
 *     npx tsx tools/docs/line-budget.ts
 *
 * prints the table; the architecture page shows it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BudgetRow {
  /** `src/ops`, or `src/*.ts` for the files directly in src/. */
  folder: string;
  files: number;
  lines: number;
  code: number;
}

export interface LineBudget {
  core: BudgetRow[];
  coreTotal: BudgetRow;
  kernels: BudgetRow[];
}

/** Folders outside the core: what a backend runs, not what a reader needs to follow the library. */
export const KERNEL_FOLDERS = ['src/backend/js', 'src/backend/wasm', 'src/backend/webgpu', 'assembly'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? tsFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Lines, and lines that are code: not blank, not only a comment (`//`, or inside `/* … *\/`). */
export function countLines(text: string): { lines: number; code: number } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let code = 0;
  let inComment = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (inComment) {
      if (line.includes('*/')) inComment = false;
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      inComment = !line.includes('*/');
      continue;
    }
    code++;
  }
  return { lines: lines.length, code };
}

/** Groups files by folder: the top-level folder under src/ (the src/backend files apart from its kernels). */
function folderOf(root: string, file: string): string {
  const path = relative(root, file).split('\\').join('/');
  const kernel = KERNEL_FOLDERS.find((k) => path.startsWith(`${k}/`));
  if (kernel) return kernel;
  const parts = path.split('/');
  return parts.length === 2 ? 'src/*.ts' : `${parts[0]}/${parts[1]}`;
}

export function lineBudget(root: string): LineBudget {
  const rows = new Map<string, BudgetRow>();
  for (const file of [...tsFiles(join(root, 'src')), ...tsFiles(join(root, 'assembly'))]) {
    const folder = folderOf(root, file);
    const row = rows.get(folder) ?? { folder, files: 0, lines: 0, code: 0 };
    const { lines, code } = countLines(readFileSync(file, 'utf8'));
    rows.set(folder, { folder, files: row.files + 1, lines: row.lines + lines, code: row.code + code });
  }
  const all = [...rows.values()].sort((a, b) => a.folder.localeCompare(b.folder));
  const core = all.filter((r) => !KERNEL_FOLDERS.includes(r.folder));
  const sum = (list: BudgetRow[], folder: string): BudgetRow =>
    list.reduce((t, r) => ({ folder, files: t.files + r.files, lines: t.lines + r.lines, code: t.code + r.code }), { folder, files: 0, lines: 0, code: 0 });
  return { core, coreTotal: sum(core, 'readable core'), kernels: all.filter((r) => KERNEL_FOLDERS.includes(r.folder)) };
}

/** The budget as a plain-text table. */
export function formatBudget(budget: LineBudget): string {
  const rows = [...budget.core, budget.coreTotal, ...budget.kernels.map((r) => ({ ...r, folder: `${r.folder} (kernels, not counted)` }))];
  const width = Math.max(...rows.map((r) => r.folder.length));
  const line = (r: BudgetRow) => `${r.folder.padEnd(width)}  ${String(r.files).padStart(5)}  ${String(r.lines).padStart(6)}  ${String(r.code).padStart(6)}`;
  return [`${'folder'.padEnd(width)}  files   lines    code`, ...rows.map(line)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatBudget(lineBudget(join(fileURLToPath(new URL('.', import.meta.url)), '..', '..'))));
}
