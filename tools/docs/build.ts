/**
 * `npm run docs` builds the documentation site into docs/site/ (not committed):
 *
 *     typedoc                      → api/            the API reference, from the doc comments
 *     tsx tools/docs/build.ts      → index.html      the front page
 *                                    quickstart.html, 01-tensors.html, …   each lesson: prose, code, output
 *                                    architecture.html  docs/architecture.md, with the line budget
 *                                    names.html      the PyTorch → Kindling name table
 *                                    coverage.html   op × device × dtype, from the conformance suite
 *                                    bench.html      bench/results/*.json as tables and charts
 *                                    source/         the source files the pages link to
 *
 * and then checks every link between the pages. Anything that does not resolve (a lesson that
 * fails, a name that is not in the library, a link to nothing) fails the build.
 *
 * Options: --out DIR (default docs/site; typedoc must have written DIR/api first).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readApi } from './api.js';
import { architecturePage } from './architecture.js';
import { benchPage } from './bench.js';
import { coveragePage, runCoverage, type Coverage, type CoverageOptions } from './coverage.js';
import { escapeHtml, page, STYLE } from './html.js';
import { lessonArguments, lessonFiles, lessonPage, runLesson, splitLesson, type Lesson, type LessonRun } from './lessons.js';
import { brokenLinks } from './links.js';
import { namesPage, nameRows, type NameRow } from './names.js';
import { SourcePages } from './sources.js';

export interface BuildOptions {
  root: string;
  /** The site's folder, where typedoc has written api/. */
  site: string;
  /** Which devices and ops the coverage matrix replays (all by default). */
  coverage?: CoverageOptions;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface Site {
  lessons: { lesson: Lesson; run: LessonRun }[];
  names: NameRow[];
  coverage: Coverage;
  /** Links that do not resolve (the build throws when there are any). */
  broken: string[];
}

/** The front page: what Kindling is, and every page of the site. */
function indexPage(lessons: Lesson[]): string {
  const list = lessons.map((l) => `<li><a href="${l.page}">${escapeHtml(l.title)}</a></li>`).join('\n');
  const body = `<h1>Kindling</h1>
<p>PyTorch's <a href="https://pytorch.org/tutorials/beginner/basics/intro.html">Learn the Basics</a> rebuilt as a small,
readable TypeScript tensor library: tensors with PyTorch's names, shapes, dtypes, printing and errors; autograd; <code>nn</code>,
<code>optim</code> and <code>data</code>; on a <code>js</code> backend written to be read, and faster <code>wasm</code> and
<code>webgpu</code> backends checked against it.</p>
<h2 id="lessons">Lessons</h2>
<p>Each tutorial page is a program in <code>lessons/</code>: its text as comments, its code, and what it prints, shown here
as it printed when these docs were built.</p>
<ol>
${list}
</ol>
<h2 id="guides">Guides</h2>
<ul>
<li><a href="architecture.html">Architecture</a>: the layers, in the order data flows through them, down to the kernels.</li>
<li><a href="names.html">PyTorch names</a>: every PyTorch name the tutorial uses, and more, as Kindling spells it.</li>
<li><a href="coverage.html">Coverage</a>: which op runs on which device in which dtype, from the conformance suite.</li>
<li><a href="bench.html">Bench</a>: how fast, against tfjs and PyTorch.</li>
<li><a href="api/index.html">API reference</a>: every export, with examples that run as tests.</li>
</ul>`;
  return page('Kindling', body);
}

export async function buildSite(options: BuildOptions): Promise<Site> {
  const { root, site } = options;
  const log = options.log ?? (() => {});
  if (!existsSync(join(site, 'api', 'index.html'))) throw new Error(`${join(site, 'api')} has no API reference: run typedoc first (npm run docs does)`);
  mkdirSync(site, { recursive: true });
  const write = (file: string, html: string) => writeFileSync(join(site, file), html);
  const sources = new SourcePages(root);

  const files = lessonFiles(root);
  const api = readApi(root, files.map((f) => join(root, 'lessons', f)), site);
  const names = nameRows(api);
  write('names.html', namesPage(names));
  log(`names.html: ${names.length} rows, each resolves`);

  const args = lessonArguments(root);
  const lessons = files.map((file) => splitLesson(file, readFileSync(join(root, 'lessons', file), 'utf8')));
  const runs: Site['lessons'] = [];
  for (const lesson of lessons) {
    const run = await runLesson(root, lesson, args[lesson.file] ?? []);
    sources.link(`lessons/${lesson.file}`);
    try {
      write(lesson.page, lessonPage(root, site, api, lesson, run, lessons));
    } finally {
      run.finish(); // the folder it ran in, once its pictures are copied
    }
    runs.push({ lesson, run });
    log(`${lesson.page}: ${lesson.cells.length} cells, ran in ${run.seconds.toFixed(1)} s`);
  }

  write('architecture.html', architecturePage(root, sources));
  log('architecture.html');

  const coverage = await runCoverage(options.coverage);
  write('coverage.html', coveragePage(coverage));
  log(`coverage.html: ${coverage.ops.length} ops on ${coverage.available.join(', ')}, ${coverage.checks} checks in ${coverage.seconds.toFixed(0)} s`);

  write('bench.html', benchPage(root));
  write('index.html', indexPage(lessons));
  write('style.css', STYLE);
  sources.write(site);

  const broken = brokenLinks(site);
  if (broken.length) throw new Error(`broken links in the docs:\n  ${broken.join('\n  ')}`);
  log('links: every one resolves');
  return { lessons: runs, names, coverage, broken };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const out = process.argv.indexOf('--out');
  const site = resolve(root, out > 0 ? process.argv[out + 1] : join('docs', 'site'));
  // webgpu on SwiftShader when there is no GPU, as in the tests (see test/webgpu-env.ts)
  const { useSwiftShaderByDefault } = await import('../../test/webgpu-env.js');
  useSwiftShaderByDefault();
  const start = performance.now();
  await buildSite({ root, site, log: (line) => console.log(`  ${line}`) });
  console.log(`docs: built ${site} in ${((performance.now() - start) / 1000).toFixed(0)} s`);
  process.exit(0); // the webgpu device keeps the event loop alive
}
