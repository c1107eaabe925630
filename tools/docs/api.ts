/**
 * Kindling's public surface, read with the TypeScript compiler: every value exported from
 * src/index.ts (namespaces such as `nn` followed into), each class's public members, and the page
 * of the API reference that typedoc writes for each. The name table lists these, and the lesson
 * pages link each identifier of their code to its page here.
 *
 * typedoc's file names: `api/functions/nn.functional.relu.html`, `api/classes/nn.Linear.html`
 * with an anchor per member (`#statedict`, the name in lower case), `api/variables/dtypes.html`,
 * `api/modules/nn.html`. A member's anchor is read from its class's page once typedoc has written
 * it (`T` and `t` on the Tensor page are `#t` and `#t-1`); before that it is guessed as the lower-case
 * name. The site's link check (links.ts) checks every link against the built reference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export type ApiKind = 'namespace' | 'class' | 'function' | 'variable';

export interface ApiMember {
  name: string;
  kind: 'method' | 'property';
  static: boolean;
  /** Its anchor on the page of the class that declares it (an inherited member links to its parent). */
  url: string;
}

export interface ApiEntry {
  /** The name under `torch`: `zeros`, `nn.Linear`, `nn.functional.crossEntropy`. */
  path: string;
  kind: ApiKind;
  /** The page in the reference, relative to the site's folder: `api/classes/nn.Linear.html`. */
  url: string;
  /** A class's public members, inherited ones included (not its constructor, nothing @internal). */
  members: ApiMember[];
}

export interface Api {
  entries: ApiEntry[];
  byPath: Map<string, ApiEntry>;
  program: ts.Program;
  checker: ts.TypeChecker;
  /** The reference page of a symbol from src/, when it has one (a member's anchor included). */
  urlOf(symbol: ts.Symbol): string | undefined;
}

const FOLDER: Record<ApiKind, string> = { namespace: 'modules', class: 'classes', function: 'functions', variable: 'variables' };

const isInternal = (decl: ts.Declaration): boolean => ts.getJSDocTags(decl).some((tag) => tag.tagName.text === 'internal');
const isHidden = (decl: ts.Declaration): boolean =>
  isInternal(decl) || (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || ts.isPrivateIdentifier((decl as { name?: ts.Node }).name ?? decl);

/** How typedoc files a value: a const holding an arrow function is a function, like a declaration. */
function kindOf(symbol: ts.Symbol): ApiKind | undefined {
  if (symbol.flags & ts.SymbolFlags.Class) return 'class';
  if (symbol.flags & ts.SymbolFlags.Function) return 'function';
  if (symbol.flags & ts.SymbolFlags.ValueModule) return 'namespace';
  if (symbol.flags & ts.SymbolFlags.Variable) {
    const decl = symbol.valueDeclaration;
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? 'function' : 'variable';
  }
  return undefined; // types and interfaces: not values
}

/**
 * The anchor of each member on a typedoc class page: `name` or `static name` → id, from its
 * headings, `<h3 class="tsd-anchor-link" id="t-1"><span>t</span>…`.
 */
function readAnchors(html: string): Map<string, string> {
  const anchors = new Map<string, string>();
  for (const [, id, heading] of html.matchAll(/<h3 class="tsd-anchor-link" id="([^"]+)">(.*?)<a href/g)) {
    const name = /<span>([^<]*(?:<wbr\/>[^<]*)*)<\/span>\s*$/.exec(heading)?.[1].replace(/<wbr\/>/g, '');
    if (name !== undefined) anchors.set(`${heading.includes('>Static<') ? 'static ' : ''}${name}`, id);
  }
  return anchors;
}

/**
 * Reads the public surface. `extraFiles` (the lessons) join the same program, so that their
 * identifiers can be resolved against it. `site`: the site's folder, where typedoc has written
 * `api/` (for the members' anchors).
 */
export function readApi(root: string, extraFiles: string[] = [], site?: string): Api {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const index = join(root, 'src', 'index.ts');
  const program = ts.createProgram([index, ...extraFiles], { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const entries: ApiEntry[] = [];
  /** Reference pages by declaration (classes, functions, variables) and by member declaration. */
  const pageOf = new Map<ts.Declaration, string>();
  const classes: [ApiEntry, ts.Symbol, ts.Declaration][] = [];

  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

  const walk = (moduleSymbol: ts.Symbol, prefix: string): void => {
    const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
    for (const exported of exports) {
      const symbol = resolve(exported);
      const kind = kindOf(symbol);
      const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!kind || !decl || (kind !== 'namespace' && isInternal(decl))) continue;
      const path = prefix + exported.name;
      const url = `api/${FOLDER[kind]}/${path}.html`;
      const entry: ApiEntry = { path, kind, url, members: [] };
      entries.push(entry);
      if (kind === 'namespace') walk(symbol, `${path}.`);
      else pageOf.set(decl, url);
      if (kind === 'class') classes.push([entry, symbol, decl]);
    }
  };
  walk(checker.getSymbolAtLocation(program.getSourceFile(index)!)!, '');

  // members, once every class has its page (an inherited member links to the class declaring it)
  const anchorsOf = new Map<string, Map<string, string>>();
  const anchor = (page: string, name: string, isStatic: boolean): string => {
    const file = site && join(site, page);
    if (file && !anchorsOf.has(page) && existsSync(file)) anchorsOf.set(page, readAnchors(readFileSync(file, 'utf8')));
    return anchorsOf.get(page)?.get(`${isStatic ? 'static ' : ''}${name}`) ?? name.toLowerCase();
  };
  const memberUrl = (member: ts.Symbol): string | undefined => {
    const decl = member.valueDeclaration ?? member.declarations?.[0];
    const owner = decl?.parent;
    const page = owner && pageOf.get(owner as ts.Declaration);
    if (!decl || !page || isHidden(decl)) return undefined;
    const isStatic = (ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Static) !== 0;
    return `${page}#${anchor(page, member.name, isStatic)}`;
  };
  for (const [entry, classSymbol, decl] of classes) {
    const instance = checker.getDeclaredTypeOfSymbol(classSymbol);
    const statics = checker.getTypeOfSymbolAtLocation(classSymbol, decl);
    const add = (member: ts.Symbol, isStatic: boolean) => {
      const url = memberUrl(member);
      if (!url || member.name === 'prototype' || member.name.startsWith('_')) return;
      const method = (member.flags & ts.SymbolFlags.Method) !== 0;
      entry.members.push({ name: member.name, kind: method ? 'method' : 'property', static: isStatic, url });
    };
    for (const member of checker.getPropertiesOfType(instance)) add(member, false);
    for (const member of checker.getPropertiesOfType(statics)) add(member, true);
  }

  const urlOf = (symbol: ts.Symbol): string | undefined => {
    const s = resolve(symbol);
    const decl = s.valueDeclaration ?? s.declarations?.[0];
    if (!decl) return undefined;
    return pageOf.get(decl) ?? (ts.isClassLike(decl.parent) ? memberUrl(s) : undefined);
  };
  return { entries, byPath: new Map(entries.map((e) => [e.path, e])), program, checker, urlOf };
}
