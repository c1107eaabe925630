/**
 * The pieces every generated page shares: HTML escaping, the page frame (top bar, stylesheet) and
 * the highlighting of TypeScript code with TypeScript's own scanner.
 */
import ts from 'typescript';

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The site's pages, in the order of the top bar: [file, label]. */
const TOP_BAR: [string, string][] = [
  ['index.html', 'Kindling'],
  ['quickstart.html', 'Quickstart'],
  ['index.html#lessons', 'Lessons'],
  ['architecture.html', 'Architecture'],
  ['names.html', 'PyTorch names'],
  ['coverage.html', 'Coverage'],
  ['bench.html', 'Bench'],
  ['api/index.html', 'API reference'],
];

/**
 * A whole HTML page. `root` is the way back to the site's folder from this page ('' for pages at
 * the top, '../../' for one two folders down), put in front of every site link in the frame.
 */
export function page(title: string, body: string, root = ''): string {
  const links = TOP_BAR.map(([href, label], i) => `<a${i === 0 ? ' class="home"' : ''} href="${root}${href}">${label}</a>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Kindling</title>
<link rel="stylesheet" href="${root}style.css">
</head>
<body>
<nav class="top">
${links}
</nav>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The site's one stylesheet. */
export const STYLE = `
:root { --ink: #1d2125; --muted: #5b6470; --line: #dde1e6; --code-bg: #f6f8fa; --accent: #c2410c; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; }
nav.top { display: flex; flex-wrap: wrap; gap: 0.2rem 1.2rem; padding: 0.7rem 1.5rem; border-bottom: 1px solid var(--line); background: #fffaf5; }
nav.top a { color: var(--ink); text-decoration: none; font-size: 0.95rem; }
nav.top a:hover { color: var(--accent); }
nav.top a.home { font-weight: 700; color: var(--accent); margin-right: 0.8rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
main.wide, body.wide main { max-width: none; }
h1 { font-size: 2rem; line-height: 1.2; margin: 1.5rem 0 1rem; }
h2 { font-size: 1.45rem; margin: 2.4rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; margin: 1.8rem 0 0.4rem; }
a { color: #0b5cad; }
code { font: 0.88em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 3px; }
pre { font: 0.85rem/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; overflow-x: auto; }
pre code { background: none; padding: 0; font-size: inherit; }
pre a { color: inherit; text-decoration: none; border-bottom: 1px dotted #8aa4c0; }
pre a:hover { color: #0b5cad; }
pre.output { background: #fff; border-left: 4px solid #f0b37e; margin-top: -0.6rem; }
pre.output::before { content: "output"; display: block; font: 600 0.7rem system-ui, sans-serif; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; margin-bottom: 0.3rem; }
pre.output .pixels { display: inline-block; line-height: 1; }
.k { color: #8250df; } .s { color: #0a3069; } .c { color: #6e7781; font-style: italic; } .n { color: #0550ae; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: var(--code-bg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted, .note { color: var(--muted); }
.pager { display: flex; justify-content: space-between; margin: 2.5rem 0 0; padding-top: 1rem; border-top: 1px solid var(--line); }
.cell-ok { background: #dafbe1; color: var(--ok); } .cell-error { background: #eef1f5; color: #57606a; }
.cell-partial { background: #fff8c5; color: var(--warn); } .cell-fail { background: #ffebe9; color: var(--bad); font-weight: 600; }
.cell-none { color: #b0b7c0; } .cell-notrun { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f3f4f6 4px, #f3f4f6 8px); color: var(--muted); }
table.matrix td, table.matrix th { text-align: center; padding: 0.15rem 0.4rem; font-size: 0.85rem; }
table.matrix td:first-child, table.matrix th:first-child { text-align: left; }
table.matrix th.device { border-left: 2px solid #9aa4af; }
table.matrix td.first { border-left: 2px solid #9aa4af; }
.source { display: flex; align-items: flex-start; }
.source pre { margin: 0; border-radius: 0; }
.source pre.gutter { text-align: right; color: #8c959f; background: #fff; border-right: 0; padding-right: 0.6rem; user-select: none; }
.source pre.gutter a { color: inherit; border: 0; }
.source pre.gutter a:target { background: #fff8c5; color: var(--ink); font-weight: 700; }
.source pre.code { flex: 1; }
svg.chart text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg.chart .label { fill: var(--muted); }
`;

/** Which token kinds get which highlight class. */
function tokenClass(kind: ts.SyntaxKind): string | undefined {
  if (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword) return 'k';
  switch (kind) {
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
    case ts.SyntaxKind.TemplateHead:
    case ts.SyntaxKind.TemplateMiddle:
    case ts.SyntaxKind.TemplateTail:
    case ts.SyntaxKind.RegularExpressionLiteral:
      return 's';
    case ts.SyntaxKind.SingleLineCommentTrivia:
    case ts.SyntaxKind.MultiLineCommentTrivia:
      return 'c';
    case ts.SyntaxKind.NumericLiteral:
      return 'n';
  }
  return undefined;
}

/**
 * TypeScript source as highlighted HTML (keywords, strings, comments, numbers). `linkAt(offset)`
 * may give a URL for the identifier that starts at `offset` in `code` (an API reference link).
 */
export function highlight(code: string, linkAt: (offset: number) => string | undefined = () => undefined): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  let html = '';
  // braces opened inside `${ ... }` of template literals: a `}` that closes one resumes the template
  const templateDepths: number[] = [];
  let depth = 0;
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.CloseBraceToken && templateDepths.at(-1) === depth) {
      templateDepths.pop();
      kind = scanner.reScanTemplateToken(false);
    } else if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      // a `/` where an expression may start begins a regular expression
      const exprEnds = [ts.SyntaxKind.Identifier, ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.StringLiteral];
      if (!exprEnds.includes(previous)) kind = scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.OpenBraceToken) depth++;
    if (kind === ts.SyntaxKind.CloseBraceToken) depth--;
    if (kind === ts.SyntaxKind.TemplateHead || kind === ts.SyntaxKind.TemplateMiddle) templateDepths.push(depth);
    const text = escapeHtml(scanner.getTokenText());
    const start = scanner.getTokenStart();
    // a property named like a keyword (`args.out`, `x.type`) is a name
    const cls = previous === ts.SyntaxKind.DotToken && kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword ? undefined : tokenClass(kind);
    const href = kind === ts.SyntaxKind.Identifier ? linkAt(start) : undefined;
    html += href ? `<a href="${href}">${text}</a>` : cls ? `<span class="${cls}">${text}</span>` : text;
    if (kind !== ts.SyntaxKind.WhitespaceTrivia && kind !== ts.SyntaxKind.NewLineTrivia && tokenClass(kind) !== 'c') previous = kind;
  }
  return html;
}
