/** What watch mode watches (WatchPlan.keeps) and what a change touches (WatchPlan.touched), on a real temp directory. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeDigester } from '../../engine/keys/codeDigest.js';
import { isEditorTempFile } from '../../engine/watch/editorTempFile.js';
import { FileHasher } from '../../engine/keys/fileHasher.js';
import { nodeFileSystem } from '../../core/fs.js';
import type { Graph } from '../../engine/graph/graph.js';
import { datasetScope as scopeOf } from '../../engine/graph/datasetScope.js';
import { brokenKfmfilePlan } from '../../engine/watch/brokenKfmfilePlan.js';
import { globBase } from '../../engine/watch/globWatch.js';
import type { WatchPlan } from '../../engine/watch/watchPlan.js';
import { watchPlanFor } from '../../engine/watch/watchPlanFor.js';

let root: string;
const at = (rel: string) => join(root, rel);
function write(files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(at(rel)), { recursive: true });
    writeFileSync(at(rel), text);
  }
}
const code = () => new CodeDigester(nodeFileSystem, new FileHasher(nodeFileSystem, new Map()), root, new Map());

/** A graph as the watch plan reads it: modules, inputs, deps (the rest of a node does not matter here). */
function graph(nodes: { id: string; run: string; inputs?: string[]; deps?: string[] }[]): Graph {
  const map = new Map(nodes.map((n) => [n.id, { id: n.id, dataset: n.id.split('/')[0]!, modulePath: at(n.run), inputPatterns: n.inputs ?? [], deps: n.deps ?? [] }]));
  const datasets = new Map<string, { nodes: string[] }>();
  for (const n of nodes) {
    const slug = n.id.split('/')[0]!;
    if (!datasets.has(slug)) datasets.set(slug, { nodes: [] });
    datasets.get(slug)!.nodes.push(n.id);
  }
  return { root, kfmfile: at('kfmfile.ts'), nodes: map, datasets, order: nodes.map((n) => n.id) } as unknown as Graph;
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-watchplan-')));
  write({
    'kfmfile.ts': "import { defineKfm } from 'kfm';\nimport { specs } from './specs/all.js';\nexport default defineKfm({ datasets: specs });\n",
    'specs/all.ts': 'export const specs = [];\n',
    'tasks/t.ts': "import { shout } from '../lib/shout.js';\nexport default async function t() { shout(''); }\n",
    'tasks/u.ts': 'export default async function u() {}\n',
    'tasks/other.ts': 'export const other = 1;\n',
    'lib/shout.ts': 'export const shout = (s: string) => s.toUpperCase();\n',
    'src/a.txt': 'a',
    'tables/one.csv': 'x\n1\n',
    'tables/notes.md': 'notes',
    'README.md': 'readme',
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function plan(): Promise<WatchPlan> {
  const g = graph([
    { id: 'a/t', run: 'tasks/t.ts', inputs: ['src/a.txt', 'src/later/b.txt'] },
    { id: 'a/u', run: 'tasks/u.ts', inputs: ['tables/*.csv'], deps: ['a/t'] },
    { id: 'z/u', run: 'tasks/u.ts' },
  ]);
  return watchPlanFor(g, scopeOf(g, ['a']), code());
}

describe('editor temp files', () => {
  it('are the names editors write beside a file they save', () => {
    for (const name of ['.#t.ts', '#t.ts#', 't.ts~', '.t.ts.swp', '.t.ts.swo', '.t.ts.swx', '4913', '5036', 't.ts___jb_tmp___', 't.ts___jb_old___']) {
      expect([name, isEditorTempFile(name)]).toEqual([name, true]);
    }
    for (const name of ['t.ts', 't.swp', '4914', '2017', '.gitignore', '#', 'a~b']) {
      expect([name, isEditorTempFile(name)]).toEqual([name, false]);
    }
  });
});

describe('glob bases', () => {
  it('are the leading segments without glob characters, with the depth of a match below them', () => {
    expect(globBase('/p', 'src/*.csv')).toEqual({ base: '/p/src', depth: 1 });
    expect(globBase('/p', '*.csv')).toEqual({ base: '/p', depth: 1 });
    expect(globBase('/p', 'a/b/*/c.txt')).toEqual({ base: '/p/a/b', depth: 2 });
    expect(globBase('/p', 'src/**/*.csv')).toEqual({ base: '/p/src', depth: Infinity });
    expect(globBase('/p', 'data/{a,b}/*.csv')).toEqual({ base: '/p/data', depth: Infinity });
  });
});

describe('the watch plan', () => {
  it('watches the kfmfile and its imports, the code and inputs of the nodes in scope, and the directories on the way', async () => {
    const p = await plan();
    // kfmfile.ts, specs/all.ts, tasks/t.ts, lib/shout.ts, tasks/u.ts, src/a.txt, src/later/b.txt, tables/one.csv
    expect([p.files, p.patterns]).toEqual([8, 1]);
    for (const rel of ['', 'tasks', 'lib', 'specs', 'src', 'src/later', 'tables']) expect([rel, p.keeps(at(rel), true)]).toEqual([rel, true]);
    for (const rel of ['kfmfile.ts', 'specs/all.ts', 'tasks/t.ts', 'lib/shout.ts', 'src/a.txt', 'src/later/b.txt', 'tables/one.csv', 'tables/new.csv', 'tables/notes.md']) {
      expect([rel, p.keeps(at(rel))]).toEqual([rel, true]);
    }
    // Other files beside watched ones, directories leading nowhere, kfm's own and editors' files.
    for (const rel of ['README.md', 'tasks/other.ts', 'tables/sub', '.kfm', '.kfm/state.db', 'data/processed/a/x', 'node_modules/x/index.js', '.git/HEAD', 'src/.a.txt.swp', 'src/a.txt~', 'tables/4913']) {
      expect([rel, p.keeps(at(rel), rel === 'tables/sub' || rel === '.kfm' ? true : undefined)]).toEqual([rel, false]);
    }
    // A missing directory is watched from its nearest existing ancestor.
    expect(p.roots).not.toContain(at('src/later'));
    expect(p.roots).toContain(at('src'));
  });

  it('says which nodes a change touches: code, inputs, new glob matches, removed directories; not the rest', async () => {
    const p = await plan();
    const touched = (...rels: string[]) => {
      const t = p.touched(rels.map(at));
      return { kfmfile: t.kfmfile, nodes: [...t.nodes].sort() };
    };
    expect(touched('lib/shout.ts')).toEqual({ kfmfile: false, nodes: ['a/t'] });
    expect(touched('tasks/u.ts')).toEqual({ kfmfile: false, nodes: ['a/u'] });
    expect(touched('specs/all.ts')).toEqual({ kfmfile: true, nodes: [] });
    expect(touched('src/later/b.txt')).toEqual({ kfmfile: false, nodes: ['a/t'] });
    write({ 'tables/two.csv': 'x\n2\n' });
    expect(touched('tables/two.csv')).toEqual({ kfmfile: false, nodes: ['a/u'] });
    expect(touched('tables/notes.md', 'README.md', 'tasks/other.ts', 'src/.a.txt.swp', '.kfm/state.db')).toEqual({ kfmfile: false, nodes: [] });
    expect(touched('src')).toEqual({ kfmfile: false, nodes: [] });
    expect([...p.touchedByName(at('src'), true).nodes]).toEqual(['a/t']);
    expect([p.underGlob(at('tables/x.csv')), p.underGlob(at('tables/sub/x.csv')), p.underGlob(at('src/x.csv'))]).toEqual([true, false, false]);
  });

  it('while the kfmfile does not load, keeps what it watched and retries on any module-like file', async () => {
    const p = await brokenKfmfilePlan(at('kfmfile.ts'), code(), await plan());
    expect(p.touched([at('tasks/new.ts')]).kfmfile).toBe(true);
    expect(p.touched([at('src/a.txt')]).nodes).toEqual(new Set(['a/t']));
    expect(p.touched([at('README.md')]).kfmfile).toBe(false);
    const first = await brokenKfmfilePlan(at('kfmfile.ts'), code());
    expect(first.keeps(at('kfmfile.ts'))).toBe(true);
    expect(first.touched([at('specs/all.ts')]).kfmfile).toBe(true);
  });

  it('lists a task module that does not parse (and keeps going), so its fix starts a cycle', async () => {
    write({ 'tasks/t.ts': "import { shout } from '../lib/shout.js';\nexport default async function t( {\n" });
    const p = await plan();
    expect(p.touched([at('tasks/t.ts')]).nodes).toEqual(new Set(['a/t']));
    expect(p.keeps(at('tasks/u.ts'))).toBe(true);
  });
});
