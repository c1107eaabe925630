/**
 * Each lesson as a page: its prose, its code, and what each piece of code prints, as a notebook
 * shows it.
 *
 * 1. Split. The lesson's top-level statements are code; the comments between them are prose (the
 *    file's opening comment is the title and introduction; a `// ====` rule around a line makes
 *    it a heading). A `/** … *\/` comment right above a declaration stays with its code, and
 *    comments inside a statement (a class, a loop) stay in the code.
 * 2. Run. A copy of the lesson prints a marker after each code cell, so that its output can be cut
 *    into the pieces each cell printed. The copy runs as the reader runs the lesson (`node --import
 *    tsx`, with the short-run arguments test/lessons.test.ts uses), its imports pointing at src/,
 *    but in a folder of its own: `data/` there is a link to the repository's, and `runs/` is its
 *    own, so that what it writes cannot collide with the lessons test running at the same time.
 * 3. Render. Prose through the small Markdown renderer; code highlighted, each name from Kindling
 *    linked to its page in the API reference; output in `<pre class="output">` (terminal colours
 *    kept: lesson 2 draws an image with them); pictures the lesson writes under runs/ and names in
 *    its output are copied into the site and shown after the cell that printed their name.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import type { Api } from './api.js';
import { escapeHtml, highlight, page } from './html.js';
import { markdown } from './markdown.js';

export type Cell = { kind: 'prose'; text: string } | { kind: 'code'; start: number; end: number; text: string };

export interface Lesson {
  /** `01-tensors.ts` */
  file: string;
  /** `01-tensors.html` */
  page: string;
  title: string;
  /** The opening comment after its first line (Markdown). */
  intro: string;
  cells: Cell[];
}

export interface LessonRun {
  /** What each code cell printed, by its index among the code cells. */
  outputs: string[];
  args: string[];
  seconds: number;
  /** The folder it ran in (its runs/ holds what it wrote), removed by `finish()`. */
  folder: string;
  finish(): void;
}

/** The lesson files, the Quickstart first, then in the order of their numbers. */
export function lessonFiles(root: string): string[] {
  const files = readdirSync(join(root, 'lessons')).filter((f) => f.endsWith('.ts'));
  return files.sort((a, b) => (a === 'quickstart.ts' ? -1 : b === 'quickstart.ts' ? 1 : a.localeCompare(b)));
}

/**
 * The short-run arguments of test/lessons.test.ts (its `lessonArguments` table, read from the
 * test's source: importing a test file outside vitest would run it), so that the pages show the
 * runs the test checks.
 */
export function lessonArguments(root: string): Record<string, string[]> {
  const path = join(root, 'test', 'lessons.test.ts');
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (decl.name.getText(source) === 'lessonArguments' && decl.initializer && ts.isObjectLiteralExpression(decl.initializer)) {
        return new Function(`return (${decl.initializer.getText(source)});`)() as Record<string, string[]>;
      }
    }
  }
  throw new Error(`${path} has no \`const lessonArguments = { … }\` to read the lessons' arguments from`);
}

/** A comment's text without its `//`, `/*`, `*` and `*\/`. */
function commentText(raw: string): string {
  if (raw.startsWith('//')) return raw.replace(/^\/\/ ?/, '');
  return raw
    .replace(/^\/\*\*?/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** `// ====` rules around a line make it a `##` heading. */
const headings = (text: string): string => text.replace(/^=+\n(.+)\n=+$/gm, '## $1').replace(/^=+$/gm, '');

/** A lesson's prose and code cells (see the top of this file). */
export function splitLesson(file: string, text: string): Lesson {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const cells: Cell[] = [];
  let title = basename(file, '.ts');
  let intro = '';
  const prose = (markdownText: string) => {
    const last = cells.at(-1);
    if (last?.kind === 'prose') last.text += `\n\n${markdownText}`;
    else cells.push({ kind: 'prose', text: markdownText });
  };
  // the comments after the last statement are the leading comments of the end of the file
  for (const statement of [...source.statements, source.endOfFileToken]) {
    const comments = ts.getLeadingCommentRanges(text, statement.pos) ?? [];
    let codeStart = statement.getStart(source);
    // a doc comment directly above the statement stays with it
    const last = comments.at(-1);
    const isFileHeader = (c: ts.CommentRange) => c.pos === 0 && statement === source.statements[0];
    if (last && text.startsWith('/**', last.pos) && !isFileHeader(last) && !/\n\s*\n/.test(text.slice(last.end, codeStart))) {
      codeStart = last.pos;
      comments.pop();
    }
    // the other comments are prose; a blank line between two comments starts a new paragraph
    let paragraph = '';
    comments.forEach((comment, i) => {
      const body = commentText(text.slice(comment.pos, comment.end));
      if (isFileHeader(comment)) {
        const [first, ...rest] = body.split('\n');
        title = first.replace(/\.$/, '');
        intro = rest.join('\n').trim();
        return;
      }
      const gap = i > 0 ? text.slice(comments[i - 1].end, comment.pos) : '';
      if (paragraph && /\n\s*\n/.test(gap)) {
        prose(headings(paragraph));
        paragraph = '';
      }
      paragraph += (paragraph ? '\n' : '') + body;
    });
    if (paragraph.trim()) prose(headings(paragraph));
    if (statement === source.endOfFileToken) break;
    // the code, with the comment at the end of its last line
    const trailing = ts.getTrailingCommentRanges(text, statement.end)?.at(-1);
    const end = trailing ? trailing.end : statement.end;
    const previous = cells.at(-1);
    if (previous?.kind === 'code') {
      previous.end = end;
      previous.text = text.slice(previous.start, end);
    } else {
      cells.push({ kind: 'code', start: codeStart, end, text: text.slice(codeStart, end) });
    }
  }
  return { file, page: `${basename(file, '.ts')}.html`, title, intro, cells };
}

const MARK = '\u001e';
const run = promisify(execFile);

/**
 * The lesson as it runs for its page: a marker line after each code cell, relative imports pointing
 * at the original's folder, and `import.meta.url` at `copy` (in the folder it runs in).
 */
function instrument(path: string, text: string, lesson: Lesson, copy: string): string {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: { at: number; end: number; text: string }[] = [];
  // relative imports, from the original's folder
  const visit = (node: ts.Node): void => {
    const specifier = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword ? node.arguments[0] : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
      edits.push({ at: specifier.getStart(source), end: specifier.end, text: JSON.stringify(resolve(dirname(path), specifier.text)) });
    }
    if (ts.isMetaProperty(node) && node.getText(source) === 'import.meta' && ts.isPropertyAccessExpression(node.parent) && node.parent.name.text === 'url') {
      edits.push({ at: node.parent.getStart(source), end: node.parent.end, text: JSON.stringify(pathToFileURL(copy).href) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  lesson.cells
    .filter((c) => c.kind === 'code')
    .forEach((cell, i) => edits.push({ at: cell.end, end: cell.end, text: `\n;process.stdout.write(${JSON.stringify(`${MARK}${i}${MARK}\n`)});\n` }));
  let out = text;
  for (const edit of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, edit.at) + edit.text + out.slice(edit.end);
  return out;
}

/** Runs a lesson (see the top of this file) and cuts its standard output into the cells'. */
export async function runLesson(root: string, lesson: Lesson, args: string[]): Promise<LessonRun> {
  const path = join(root, 'lessons', lesson.file);
  const folder = mkdtempSync(join(tmpdir(), 'kindling-lesson-'));
  const finish = () => rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(root, 'data'), { recursive: true }); // FashionMNIST's files are built there once, and shared
  symlinkSync(join(root, 'data'), join(folder, 'data'), 'dir');
  mkdirSync(join(folder, 'runs'));
  mkdirSync(join(folder, 'lessons'));
  // .mts: an ES module wherever it is (top-level await), as the lessons are inside the package
  const copy = join(folder, 'lessons', lesson.file.replace(/\.ts$/, '.mts'));
  writeFileSync(copy, instrument(path, readFileSync(path, 'utf8'), lesson, copy));
  const start = performance.now();
  let stdout: string;
  try {
    // tsx as this package has it (the folder it runs in has no node_modules)
    const tsx = import.meta.resolve('tsx');
    ({ stdout } = await run(process.execPath, ['--import', tsx, copy, ...args], { cwd: folder, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    finish();
    const e = error as { stderr?: string; message: string };
    throw new Error(`lessons/${lesson.file} ${args.join(' ')} failed, so its page cannot show its output:\n${e.stderr || e.message}`);
  }
  const outputs: string[] = [];
  const parts = stdout.split(new RegExp(`${MARK}(\\d+)${MARK}\\n`));
  // parts: [before cell 0's marker, '0', after it, '1', ...]
  for (let i = 1; i < parts.length; i += 2) outputs[Number(parts[i])] = parts[i - 1];
  const lastCode = lesson.cells.filter((c) => c.kind === 'code').length - 1;
  outputs[lastCode] = (outputs[lastCode] ?? '') + (parts.length % 2 === 1 ? parts.at(-1)! : '');
  return { outputs, args, seconds: (performance.now() - start) / 1000, folder, finish };
}

/** Terminal output as HTML: 24-bit colours (`ESC[38;2;r;g;bm`, `ESC[48;2;…m`) become styles; other escapes go. */
export function ansiToHtml(text: string): string {
  let html = '';
  let [fg, bg, open] = ['', '', '']; // the colours asked for, and the style of the open <span>
  for (const [i, part] of escapeHtml(text).split(/\u001b\[([\d;]*)m/).entries()) {
    if (i % 2 === 1) {
      const codes = part.split(';').map(Number);
      if (part === '' || codes[0] === 0) [fg, bg] = ['', ''];
      else if (codes[0] === 38 && codes[1] === 2) fg = `color:rgb(${codes.slice(2, 5).join(',')})`;
      else if (codes[0] === 48 && codes[1] === 2) bg = `background:rgb(${codes.slice(2, 5).join(',')})`;
      continue;
    }
    if (part === '') continue;
    const style = [fg, bg].filter(Boolean).join(';');
    if (style !== open) html += `${open ? '</span>' : ''}${style ? `<span style="${style}">` : ''}`;
    open = style;
    html += part;
  }
  if (open) html += '</span>';
  // lines drawn with colours are pixels: no gaps between them
  return html.replace(/(?:^.*<span style=.*(?:\n|$))+/gm, (lines) =>
    lines.endsWith('\n') ? `<span class="pixels">${lines.slice(0, -1)}</span>\n` : `<span class="pixels">${lines}</span>`,
  );
}

/** The URL of the API page for the identifier at `position` in `file`, if it names part of Kindling. */
function apiLink(api: Api, file: ts.SourceFile, position: number): string | undefined {
  const find = (node: ts.Node): ts.Node | undefined =>
    position >= node.getStart(file) && position < node.end ? (ts.forEachChild(node, find) ?? node) : undefined;
  const node = find(file);
  if (!node || !ts.isIdentifier(node)) return undefined;
  const symbol = api.checker.getSymbolAtLocation(node);
  if (!symbol) return undefined;
  // `const { FashionMNIST } = torch.data.datasets`: the name stands for the property it was taken from
  const decl = symbol.valueDeclaration;
  if (decl && ts.isBindingElement(decl) && ts.isVariableDeclaration(decl.parent.parent) && decl.parent.parent.initializer) {
    const from = api.checker.getTypeAtLocation(decl.parent.parent.initializer);
    const property = from.getProperty((decl.propertyName ?? decl.name).getText(file));
    return property ? api.urlOf(property) : undefined;
  }
  return api.urlOf(symbol);
}

/** Copies the pictures that the output names (`runs/….png`, in `folder`) into the site; returns their site paths by the name in the output. */
function copyPictures(folder: string, site: string, lesson: Lesson, output: string): Map<string, string> {
  const pictures = new Map<string, string>();
  for (const [name] of output.matchAll(/runs\/[\w./-]+\.(?:png|svg|jpg|gif)/g)) {
    const from = join(folder, name);
    if (!existsSync(from) || pictures.has(name)) continue;
    const to = `img/${basename(lesson.file, '.ts')}-${basename(name)}`;
    mkdirSync(join(site, 'img'), { recursive: true });
    copyFileSync(from, join(site, to));
    pictures.set(name, to);
  }
  return pictures;
}

/** One lesson's page. `lessons` gives the previous and next pages. */
export function lessonPage(root: string, site: string, api: Api, lesson: Lesson, result: LessonRun, lessons: Lesson[]): string {
  const file = api.program.getSourceFile(join(root, 'lessons', lesson.file));
  const parts: string[] = [];
  let codeIndex = 0;
  for (const cell of lesson.cells) {
    if (cell.kind === 'prose') {
      parts.push(markdown(cell.text, { code: (text) => `<pre><code>${escapeHtml(text)}</code></pre>` }));
      continue;
    }
    const linkAt = (offset: number) => (file ? apiLink(api, file, cell.start + offset) : undefined);
    parts.push(`<pre class="code"><code>${highlight(cell.text, linkAt)}</code></pre>`);
    const output = result.outputs[codeIndex++] ?? '';
    if (output.trim()) parts.push(`<pre class="output">${ansiToHtml(output.replace(/\n+$/, ''))}</pre>`);
    for (const [name, src] of copyPictures(result.folder, site, lesson, output)) {
      parts.push(`<figure><img src="${src}" alt="${escapeHtml(name)}"><figcaption><code>${escapeHtml(name)}</code>, written by the code above</figcaption></figure>`);
    }
  }
  const i = lessons.indexOf(lesson);
  const link = (l: Lesson | undefined, label: string) => (l ? `<a href="${l.page}">${label} ${escapeHtml(l.title)}</a>` : '<span></span>');
  const command = `npx tsx lessons/${lesson.file}${result.args.length ? ` ${result.args.join(' ')}` : ''}`;
  const body = `<h1>${escapeHtml(lesson.title)}</h1>
${markdown(lesson.intro)}
<p class="note">The output below is what <code>${escapeHtml(command)}</code> printed when these docs were built
(in ${result.seconds.toFixed(1)} s)${result.args.length ? ', a shorter run than the lesson makes without arguments' : ''}. The source:
<a href="source/lessons/${lesson.file}.html">lessons/${lesson.file}</a>. Names in the code link to the <a href="api/index.html">API reference</a>.</p>
${parts.join('\n')}
<nav class="pager">${link(lessons[i - 1], '←')}${link(lessons[i + 1], '→')}</nav>`;
  return page(lesson.title, body);
}
