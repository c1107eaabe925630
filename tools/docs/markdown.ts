/**
 * A small Markdown renderer, enough for the lessons' comments and the guide pages: paragraphs,
 * `#` headings, lists (`-`, `*`, `1.`) whose items continue on indented lines, fenced and indented
 * code blocks, tables, raw HTML blocks, and inline `code`, **bold**, *italics*, [links](url) and
 * bare URLs. Whatever it does not know comes out as text.
 */
import { escapeHtml } from './html.js';

export interface MarkdownOptions {
  /** Rewrites the target of every link (a guide page's links into the repository, say). */
  link?: (href: string) => string;
  /** The HTML of a fenced or indented code block (plain and escaped by default). */
  code?: (text: string, language: string) => string;
}

/** An id for a heading: `Operations on Tensors` → `operations-on-tensors`. */
export const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Inline markup of one paragraph's text. */
export function inline(text: string, options: MarkdownOptions = {}): string {
  const link = options.link ?? ((href: string) => href);
  // code spans first, so that nothing inside them is read as markup
  const spans: string[] = [];
  let html = escapeHtml(text).replace(/`([^`]+)`/g, (_, code: string) => `\u0000${spans.push(`<code>${code}</code>`) - 1}\u0000`);
  html = html
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => `<a href="${link(href)}">${label}</a>`)
    .replace(/(^|[\s(])(https?:\/\/[^\s<)]+[^\s<).,;:])/g, (_, before: string, url: string) => `${before}<a href="${url}">${url}</a>`)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  return html.replace(/\u0000(\d+)\u0000/g, (_, i: string) => spans[Number(i)]);
}

const LIST_ITEM = /^(\s*)([-*]|\d+\.)\s+(.*)$/;

/** Markdown text as HTML. */
export function markdown(text: string, options: MarkdownOptions = {}): string {
  const code = options.code ?? ((body: string) => `<pre><code>${escapeHtml(body)}</code></pre>`);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const blank = (line: string | undefined) => line === undefined || line.trim() === '';
  while (i < lines.length) {
    const line = lines[i];
    if (blank(line)) {
      i++;
    } else if (/^```/.test(line)) {
      // a fenced code block
      const language = line.slice(3).trim();
      const body: string[] = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
      i++;
      out.push(code(body.join('\n'), language));
    } else if (/^ {4}/.test(line)) {
      // an indented code block (blank lines inside it are kept)
      const body: string[] = [];
      while (i < lines.length && (/^ {4}/.test(lines[i]) || (blank(lines[i]) && /^ {4}/.test(lines[i + 1] ?? '')))) body.push(lines[i++].slice(4));
      out.push(code(body.join('\n'), ''));
    } else if (/^#{1,6} /.test(line)) {
      const level = line.indexOf(' ');
      const title = inline(line.slice(level + 1).trim(), options);
      out.push(`<h${level} id="${slug(title)}">${title}</h${level}>`);
      i++;
    } else if (/^<[a-zA-Z!]/.test(line)) {
      // raw HTML, up to a blank line
      const body: string[] = [];
      while (!blank(lines[i])) body.push(lines[i++]);
      out.push(body.join('\n'));
    } else if (/^\|.*\|\s*$/.test(line) && /^\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) {
      // a table: a header row, a |---| row, then rows
      const cells = (row: string) => row.trim().slice(1, -1).split('|').map((c) => inline(c.trim(), options));
      const header = cells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\|/.test(lines[i])) rows.push(cells(lines[i++]));
      out.push(
        `<table>\n<tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>\n` +
          rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n') +
          '\n</table>',
      );
    } else if (LIST_ITEM.test(line)) {
      // a list: items, each continued by lines indented past its marker
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && LIST_ITEM.test(lines[i])) {
        const [, indent, marker, first] = LIST_ITEM.exec(lines[i])!;
        const body = [first];
        const width = indent.length + marker.length + 1;
        for (i++; i < lines.length && !blank(lines[i]) && !LIST_ITEM.test(lines[i]) && /^\s/.test(lines[i]) && lines[i].search(/\S/) >= Math.min(width, 2); i++) {
          body.push(lines[i].trim());
        }
        items.push(`<li>${inline(body.join(' '), options)}</li>`);
        if (blank(lines[i]) && LIST_ITEM.test(lines[i + 1] ?? '')) i++; // a loose list
      }
      out.push(ordered ? `<ol>\n${items.join('\n')}\n</ol>` : `<ul>\n${items.join('\n')}\n</ul>`);
    } else {
      // a paragraph, up to a blank line or the start of another block
      const body: string[] = [];
      while (i < lines.length && !blank(lines[i]) && !/^(```|#{1,6} | {4})/.test(lines[i]) && !(body.length && LIST_ITEM.test(lines[i]))) body.push(lines[i++].trim());
      out.push(`<p>${inline(body.join('\n'), options)}</p>`);
    }
  }
  return out.join('\n');
}
