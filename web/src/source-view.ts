/**
 * A lesson's source, for reading: the comment prose (the tutorial's text) set as prose, with
 * `code` and **bold** marked, the `// ====` banners as headings, and the code between in
 * monospace, trailing comments dimmed.
 */

type Span = { kind: 'code' | 'comment'; text: string };

/** Splits source into code and comments, skipping over strings, template literals and regexes well enough for the lessons. */
function scan(source: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  let i = 0;
  const push = (kind: Span['kind'], end: number) => {
    if (end > start) spans.push({ kind, text: source.slice(start, end) });
    start = end;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      push('code', i);
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
      push('comment', i);
    } else if (c === '/' && source[i + 1] === '*') {
      push('code', i);
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      push('comment', i);
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < source.length && source[i] !== c && !(c !== '`' && source[i] === '\n')) i += source[i] === '\\' ? 2 : 1;
      i++;
    } else i++;
  }
  push('code', source.length);
  return spans;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `code`, **bold** and URLs in a line of prose. */
function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(https?:\/\/[^\s)<,]+[^\s)<,.])/g, '<a href="$1" target="_blank" rel="noopener">$1</a>');
}

/** The text of a block of comment lines, their `//` or ` * ` markers taken off. */
function commentLines(text: string): string[] {
  return text
    .replace(/^\/\*\*?/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*(\/\/|\*(?!\*))\s?/, ''));
}

/** Prose from comment lines: paragraphs, indented blocks kept as they are, banners as headings. */
function prose(lines: string[]): string {
  const html: string[] = [];
  let paragraph: string[] = [];
  let pre: string[] = [];
  const flush = () => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join(' '))}</p>`);
    if (pre.length) html.push(`<pre class="figure">${escape(pre.join('\n'))}</pre>`);
    paragraph = [];
    pre = [];
  };
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    if (/^={10,}$/.test(line.trim())) {
      // a banner: ==== / Heading / ====
      flush();
      const heading = lines[k + 1]?.trim();
      if (heading && /^={10,}$/.test(lines[k + 2]?.trim() ?? '')) {
        html.push(`<h3>${inline(heading)}</h3>`);
        k += 2;
      }
    } else if (/^-{4} .* -{4,}$/.test(line.trim())) {
      flush();
      html.push(`<h4>${inline(line.replace(/-{4,}/g, '').trim())}</h4>`);
    } else if (line.trim() === '') flush();
    else if (/^( {4}|\t)/.test(line)) {
      if (paragraph.length) flush();
      pre.push(line.replace(/^ {4}/, ''));
    } else if (/^\s*([-•]|\d+\.) /.test(line) && paragraph.length) {
      // a list item starts a new line
      paragraph.push(`\n${line.trim()}`);
    } else {
      if (pre.length) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return html.join('').replace(/ \n/g, '<br>');
}

/** HTML for a lesson's source (its first line, the title the page shows above it, left out). */
export function renderSource(source: string): string {
  source = source.replace(/^\/\*\*\n \* (Lesson \d+|Quickstart): .*\n/, '/**\n');
  // group into lines: a line whose only content is comments is prose; the rest is code
  const lines: { spans: Span[] }[] = [{ spans: [] }];
  for (const span of scan(source)) {
    const pieces = span.text.split('\n');
    pieces.forEach((piece, k) => {
      if (k > 0) lines.push({ spans: [] });
      if (piece) lines[lines.length - 1].spans.push({ kind: span.kind, text: piece });
    });
  }
  const html: string[] = [];
  let comment: string[] = [];
  let code: string[] = [];
  let inBlock = false;
  const flushComment = () => {
    if (comment.length) html.push(`<div class="prose">${prose(commentLines(comment.join('\n')))}</div>`);
    comment = [];
  };
  const flushCode = () => {
    while (code.length && code[code.length - 1].trim() === '') code.pop();
    if (code.length) html.push(`<pre class="code">${code.join('\n')}</pre>`);
    code = [];
  };
  for (const line of lines) {
    const onlyComment = line.spans.length > 0 && line.spans.every((s) => s.kind === 'comment' || s.text.trim() === '') && line.spans.some((s) => s.kind === 'comment');
    // lines inside a /* */ block are comment spans too, so they count as prose
    if (onlyComment || (inBlock && line.spans.every((s) => s.kind === 'comment'))) {
      flushCode();
      comment.push(line.spans.map((s) => s.text).join(''));
      const text = comment[comment.length - 1];
      inBlock = (inBlock || /\/\*/.test(text)) && !/\*\//.test(text);
    } else if (line.spans.length === 0 && comment.length) {
      comment.push('');
    } else {
      flushComment();
      code.push(line.spans.map((s) => (s.kind === 'comment' ? `<span class="c">${escape(s.text)}</span>` : escape(s.text))).join(''));
    }
  }
  flushComment();
  flushCode();
  return html.join('\n');
}
