/**
 * Examples in the docs execute, so they cannot drift from the code.
 *
 * 1. Every `@example` block in `src/**\/*.ts` runs as its own test, named by file and symbol.
 *    An example is TypeScript with `torch` in scope (`import * as torch from '../src/index.js'`)
 *    and top-level `await` allowed. A line of the form
 *
 *        EXPR; // EXPECTED
 *
 *    is an assertion, `expect(EXPR).toEqual(EXPECTED)`, where EXPECTED is a JavaScript literal
 *    (`[2, 3]`, `'float32'`, `true`, `1.5`): deep equality, numbers compared exactly as written.
 *    Any other line is an ordinary statement. So a comment after `; // ` is always the expected
 *    value: put explanations in the prose above the example, not after a line.
 *
 * 2. Every function and class exported from `src/index.ts` has a doc comment with an `@example`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

/** One `@example` block: where it is, whose it is, and its lines with their line numbers in the file. */
interface Example {
  file: string;
  symbol: string;
  lines: { text: string; line: number }[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The name a doc comment documents: `zeros`, `Tensor`, `Tensor.size`. */
function symbolName(node: ts.Node): string {
  const nameOf = (n: ts.Node): string | undefined => {
    if (ts.isVariableStatement(n)) return n.declarationList.declarations.map((d) => d.name.getText()).join(', ');
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    const name = (n as { name?: ts.Node }).name;
    return name ? name.getText() : undefined;
  };
  const own = nameOf(node) ?? ts.SyntaxKind[node.kind];
  const owner = node.parent && (ts.isClassLike(node.parent) || ts.isInterfaceDeclaration(node.parent)) ? nameOf(node.parent) : undefined;
  return owner ? `${owner}.${own}` : own;
}

/** Every `@example` block in one source file. */
function examplesIn(path: string): Example[] {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const file = relative(root, path);
  const examples: Example[] = [];
  const visit = (node: ts.Node): void => {
    for (const doc of (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) {
      const firstLine = source.getLineAndCharacterOfPosition(doc.getStart(source)).line + 1;
      const lines = doc
        .getText(source)
        .replace(/^\/\*\*/, '')
        .replace(/\*\/$/, '')
        .split('\n')
        .map((raw, i) => ({ text: raw.replace(/^\s*\* ?/, '').trimEnd(), line: firstLine + i }));
      let current: Example | undefined;
      for (const entry of lines) {
        if (/^@example\b/.test(entry.text)) {
          current = { file, symbol: symbolName(node), lines: [] };
          examples.push(current);
          const rest = entry.text.replace(/^@example\b\s*/, '');
          if (rest) current.lines.push({ text: rest, line: entry.line });
        } else if (/^@\w/.test(entry.text)) {
          current = undefined; // the next block tag ends the example
        } else if (current) {
          current.lines.push(entry);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return examples;
}

/** Turns an example into the source of `async function __example(torch, __expect)`, assertions included. */
function compile(example: Example): string {
  const body: string[] = [];
  let statementEnded = true; // whether a new statement starts on this line, so `__line` may be set
  for (const { text, line } of example.lines) {
    if (text.trim() === '' || text.trim().startsWith('```')) continue;
    const where = `${example.file}:${line}`;
    const split = text.indexOf('; // ');
    if (split >= 0) {
      const expr = text.slice(0, split);
      const expected = text.slice(split + '; // '.length).trim();
      try {
        new Function(`return (${expected});`);
      } catch {
        throw new SyntaxError(`${where}: the comment after \`; // \` must be the expected value as a JavaScript literal, got: ${expected}`);
      }
      const message = JSON.stringify(`${where}: ${expr}`);
      body.push(`__line = ${JSON.stringify(where)}; __expect(${expr}, ${message}).toEqual(${expected});`);
      statementEnded = true;
    } else {
      body.push(statementEnded ? `__line = ${JSON.stringify(where)}; ${text}` : text);
      statementEnded = /[;{}]$/.test(text.trim());
    }
  }
  const source = [
    'async function __example(torch, __expect) {',
    '  let __line = "";',
    '  try {',
    ...body.map((l) => `    ${l}`),
    '  } catch (error) {',
    '    if (error instanceof Error && __line && !error.message.includes(__line)) error.message += `\\n    in the example at ${__line}`;',
    '    throw error;',
    '  }',
    '}',
  ].join('\n');
  // examples are TypeScript: strip any types before evaluating
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

async function runExample(example: Example): Promise<void> {
  let fn: (t: typeof torch, e: typeof expect) => Promise<void>;
  try {
    fn = new Function(`${compile(example)}\nreturn __example;`)();
  } catch (error) {
    const first = example.lines[0]?.line;
    throw new SyntaxError(`the example of ${example.symbol} at ${example.file}:${first} does not compile: ${(error as Error).message}`);
  }
  await fn(torch, expect);
}

/**
 * All examples as one TypeScript file, each in its own function with `torch` in scope, and each
 * assertion `EXPR; // EXPECTED` as `__check(EXPR, EXPECTED)`; `lineOf` maps its lines back to src.
 */
function examplesAsTypeScript(all: readonly Example[]): { text: string; lineOf: string[] } {
  const out = ["import * as torch from '../src/index.js';", 'declare function __check(actual: unknown, expected: unknown): void;'];
  const lineOf = ['', ''];
  all.forEach((example, i) => {
    out.push(`export async function example${i}(): Promise<void> {`);
    lineOf.push('');
    for (const { text, line } of example.lines) {
      const split = text.indexOf('; // ');
      out.push(split >= 0 ? `__check(${text.slice(0, split)}, ${text.slice(split + 5).trim()});` : text.trim().startsWith('```') ? '' : text);
      lineOf.push(`${example.file}:${line}`);
    }
    out.push('}');
    lineOf.push('');
  });
  return { text: out.join('\n'), lineOf };
}

/** Type errors in the examples, as `src/file.ts:line: message`. */
function typeErrors(all: readonly Example[]): string[] {
  const { text, lineOf } = examplesAsTypeScript(all);
  const virtual = join(root, 'test', '__examples__.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === virtual ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(virtual))
    .filter((d) => d.file?.fileName === virtual)
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${lineOf[line] || `examples line ${line + 1}`}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

const examples = sourceFiles(srcDir).sort().flatMap(examplesIn);

/** Test names: `src/ops/creation.ts › zeros`, with `#2` for a symbol's second example. */
const named = examples.map((example, i) => {
  const same = examples.slice(0, i).filter((e) => e.file === example.file && e.symbol === example.symbol).length;
  return { name: `${example.file} › ${example.symbol}${same ? ` #${same + 1}` : ''}`, example };
});

describe('@example blocks in src', () => {
  it('finds examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it('type-check', () => {
    expect(typeErrors(examples)).toEqual([]);
  });

  it.each(named)('$name', async ({ example }) => {
    expect(example.lines.some((l) => l.text.includes('; // ')), 'an example should assert something with `EXPR; // EXPECTED`').toBe(true);
    await runExample(example);
  });
});

/** Exported functions and classes of `src/index.ts` (not types or constants), with whether their doc comment has an `@example`. */
function exportedFunctionsAndClasses(): { name: string; hasExample: boolean }[] {
  const program = ts.createProgram([join(srcDir, 'index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(srcDir, 'index.ts'))!;
  const moduleSymbol = checker.getSymbolAtLocation(index)!;
  const isCallableOrClass = (decl: ts.Declaration): boolean =>
    ts.isFunctionDeclaration(decl) ||
    ts.isClassDeclaration(decl) ||
    (ts.isVariableDeclaration(decl) &&
      decl.initializer !== undefined &&
      (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer)));
  return checker.getExportsOfModule(moduleSymbol).flatMap((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = (symbol.declarations ?? []).filter(isCallableOrClass);
    if (declarations.length === 0) return [];
    const hasExample = declarations.some((decl) => ts.getJSDocTags(decl).some((tag) => tag.tagName.text === 'example'));
    return [{ name: exported.name, hasExample }];
  });
}

/** Exports that have no `@example`, each with the reason. Keep this list short. */
const withoutExample: Record<string, string> = {
  registerBackend:
    "plumbing for backend modules: a runnable example would replace a device's loader for every later example in this process",
};

describe('doc comments', () => {
  const exports = exportedFunctionsAndClasses();

  it('every function and class exported from src/index.ts has an @example', () => {
    expect(exports.map((e) => e.name)).toContain('zeros');
    const missing = exports.filter((e) => !e.hasExample && !(e.name in withoutExample)).map((e) => e.name);
    expect(missing, 'add an @example to the doc comment of each of these').toEqual([]);
  });

  it('the list of exports without an example is up to date', () => {
    for (const name of Object.keys(withoutExample)) {
      expect(exports.find((e) => e.name === name), `${name} is listed in withoutExample`).toMatchObject({ hasExample: false });
    }
  });
});
