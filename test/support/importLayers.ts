/**
 * The import-direction rule of docs/DESIGN.md ("Layers"), as a checker the architecture test
 * runs over the source tree (and over synthetic files, to test the checker itself).
 *
 * Layers, bottom up: core (0) · store (1) · engine (2) · tasks, stages (3) · cli, api (4).
 * A file may import its own folder and any layer below its own; tasks may also import the
 * bare specifier `kfm` (the public API a user's task imports). Nothing else of kfm.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';
import { compareCodePoints } from '../../core/compareCodePoints.js';

export const LAYERS = { core: 0, store: 1, engine: 2, tasks: 3, stages: 3, cli: 4, api: 4 } as const;
export type LayerDir = keyof typeof LAYERS;
const LAYER_DIRS = Object.keys(LAYERS) as LayerDir[];

/** The bare specifier of the public API, and the folder it resolves to. */
const PUBLIC_API = 'kfm';
const PUBLIC_API_DIR: LayerDir = 'api';

/** Top folders a given folder may import besides itself (the rule, spelled out). */
const ALLOWED: Record<LayerDir, readonly LayerDir[]> = {
  core: [],
  store: ['core'],
  engine: ['core', 'store'],
  tasks: ['core', 'store', 'engine'],
  stages: ['core', 'store', 'engine'],
  cli: ['core', 'store', 'engine', 'tasks', 'stages', 'api'],
  api: ['core', 'store', 'engine', 'tasks', 'stages', 'cli'],
};

/** A source file: its path relative to the project root (POSIX separators) and its text. */
export interface LayerSource {
  path: string;
  text: string;
}

/** One module specifier in a file, however it is imported. */
export interface ImportSite {
  line: number;
  specifier: string;
  kind: 'import' | 'export' | 'dynamic' | 'type';
}

export interface LayerViolation {
  file: string;
  line: number;
  /** The resolved target (a project path, or the bare specifier `kfm`). */
  target: string;
  from: LayerDir;
  to: LayerDir;
}

/** Every module specifier of a TypeScript (or TSX) file, with its 1-based line. */
export function importSites(path: string, text: string): ImportSite[] {
  const kind = path.endsWith('.tsx') || path.endsWith('.jsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined, k: ImportSite['kind']): void => {
    if (spec === undefined || !ts.isStringLiteralLike(spec)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    sites.push({ line, specifier: spec.text, kind: k });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, 'import');
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, 'export');
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, 'import');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], 'dynamic');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return sites;
}

/** The layer folder a project path lies in, if any. */
export function layerOf(path: string): LayerDir | undefined {
  const top = path.split('/')[0];
  return LAYER_DIRS.find((d) => d === top);
}

/**
 * Where a specifier of `fromFile` points: a project path for a relative specifier (the
 * `.js` of an ESM import mapped back to the `.ts`/`.tsx` source when that is among `known`),
 * `kfm` for the public API, undefined for anything else (node:, packages).
 */
export function resolveSpecifier(fromFile: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  if (specifier === PUBLIC_API || specifier.startsWith(`${PUBLIC_API}/`)) return PUBLIC_API;
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  if (known.has(joined)) return joined;
  const m = /^(.*)\.(js|jsx|mjs|cjs)$/.exec(joined);
  if (m) {
    const sources = { js: ['ts', 'tsx'], jsx: ['tsx'], mjs: ['mts'], cjs: ['cts'] }[m[2] as 'js' | 'jsx' | 'mjs' | 'cjs'];
    for (const ext of sources) {
      const candidate = `${m[1]}.${ext}`;
      if (known.has(candidate)) return candidate;
    }
  }
  return joined;
}

/** True when a file of `from` may import `target` (a resolved project path or `kfm`) in `to`. */
function allowed(from: LayerDir, to: LayerDir, target: string): boolean {
  if (target === PUBLIC_API && from === 'tasks') return true;
  return to === from || ALLOWED[from].includes(to);
}

/**
 * The imports of `files` that break the rule, in file then line order. An import resolving
 * outside every layer folder (e.g. `../../test/…`) is not kfm source and is not judged here.
 */
export function layerViolations(files: readonly LayerSource[]): LayerViolation[] {
  const known = new Set(files.map((f) => f.path));
  const out: LayerViolation[] = [];
  for (const file of [...files].sort((a, b) => compareCodePoints(a.path, b.path))) {
    const from = layerOf(file.path);
    if (from === undefined) continue;
    for (const site of importSites(file.path, file.text)) {
      const target = resolveSpecifier(file.path, site.specifier, known);
      if (target === undefined) continue;
      const to = target === PUBLIC_API ? PUBLIC_API_DIR : layerOf(target);
      if (to === undefined || allowed(from, to, target)) continue;
      out.push({ file: file.path, line: site.line, target, from, to });
    }
  }
  return out;
}

/** `file:line imports target (layer A → layer B)`, A and B as `<number> <folder>`. */
export function formatViolation(v: LayerViolation): string {
  return `${v.file}:${v.line} imports ${v.target} (layer ${LAYERS[v.from]} ${v.from} → layer ${LAYERS[v.to]} ${v.to})`;
}

const SOURCE_RE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const TEST_RE = /\.(test|spec)\.[cm]?[jt]sx?$/;

/** Every non-test source file under the layer folders of `root`, sorted by path. */
export function readLayerSources(root: string): LayerSource[] {
  const out: LayerSource[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child);
      } else if (entry.isFile() && SOURCE_RE.test(entry.name) && !TEST_RE.test(entry.name)) {
        out.push({ path: child, text: readFileSync(join(root, child), 'utf8') });
      }
    }
  };
  for (const dir of LAYER_DIRS) {
    try {
      walk(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out.sort((a, b) => compareCodePoints(a.path, b.path));
}

/**
 * Cycles among the sub-folders of one layer folder (e.g. engine/schedule ⇄ engine/versions):
 * each strongly connected component of more than one folder, folders sorted, components sorted.
 */
export function folderCycles(files: readonly LayerSource[], dir: LayerDir): string[][] {
  const known = new Set(files.map((f) => f.path));
  const folderOf = (path: string): string | undefined => {
    const parts = path.split('/');
    return parts[0] === dir && parts.length > 2 ? `${parts[0]}/${parts[1]}` : undefined;
  };
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = folderOf(file.path);
    if (from === undefined) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    for (const site of importSites(file.path, file.text)) {
      const target = resolveSpecifier(file.path, site.specifier, known);
      const to = target === undefined ? undefined : folderOf(target);
      if (to !== undefined && to !== from) edges.get(from)!.add(to);
    }
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(edges.get(v) ?? [])].sort(compareCodePoints)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort(compareCodePoints));
    }
  };
  for (const v of [...edges.keys()].sort(compareCodePoints)) if (!idx.has(v)) strong(v);
  return components.sort((a, b) => compareCodePoints(a[0]!, b[0]!));
}
