/**
 * Source files as pages of the site (`source/src/backend/js/index.ts.html`), highlighted, with a
 * numbered anchor per line, so that a guide page can link to the line where a kernel or an op is
 * written: a link `../src/ops/linalg.ts#matmul` (as docs/architecture.md writes it, which also
 * works on GitHub) becomes `source/src/ops/linalg.ts.html#L118`, the line that declares `matmul`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { escapeHtml, highlight, page } from './html.js';

/** The line (1-based) of the first declaration named `name`: a function, class, method, property, variable or interface. */
export function declarationLine(path: string, text: string, name: string): number | undefined {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const declared = (node as { name?: ts.Node }).name;
    const isDeclaration =
      ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isMethodDeclaration(node) || ts.isMethodSignature(node) ||
      ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node) || ts.isPropertySignature(node) || ts.isVariableDeclaration(node) ||
      ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node);
    if (isDeclaration && declared && ts.isIdentifier(declared) && declared.text === name) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return found && source.getLineAndCharacterOfPosition(found.getStart(source)).line + 1;
}

export class SourcePages {
  private readonly files = new Set<string>();

  constructor(private readonly root: string) {}

  /**
   * The site link (from a page at the site's top) to `file` (relative to the repository), at the
   * declaration of `symbol` if given; throws if the file or the declaration does not exist.
   */
  link(file: string, symbol?: string): string {
    const path = join(this.root, file);
    if (!existsSync(path)) throw new Error(`a docs link names ${file}, which does not exist`);
    this.files.add(file);
    if (!symbol) return `source/${file}.html`;
    const line = declarationLine(path, readFileSync(path, 'utf8'), symbol);
    if (line === undefined) throw new Error(`a docs link names ${file}#${symbol}, but ${file} declares no ${symbol}`);
    return `source/${file}.html#L${line}`;
  }

  /** Writes a page for every file linked so far. */
  write(site: string): void {
    for (const file of this.files) {
      const text = readFileSync(join(this.root, file), 'utf8');
      const lines = text.split('\n').length;
      const gutter = Array.from({ length: lines }, (_, i) => `<a id="L${i + 1}" href="#L${i + 1}">${i + 1}</a>`).join('\n');
      const depth = file.split('/').length; // source/ plus the file's folders
      const body = `<h1><code>${escapeHtml(file)}</code></h1>
<div class="source"><pre class="gutter">${gutter}</pre><pre class="code"><code>${file.endsWith('.ts') ? highlight(text) : escapeHtml(text)}</code></pre></div>`;
      const out = join(site, 'source', `${file}.html`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, page(file, body, '../'.repeat(depth)).replace('<body>', '<body class="wide">'));
    }
  }
}
