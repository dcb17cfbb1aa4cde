import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { DirtyReason } from '../../engine/keys/dirtyReason.js';
import type { BuildEvent } from '../../engine/run/event.js';
import { EngineRig, type RigBuild } from '../support/engineRig.js';
import type { MemoryContentStore } from '../../store/memory/memoryContentStore.js';
import { testSpec } from '../support/testSpec.js';
import { concatTask, lineCountTask } from '../support/textTasks.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

const CONCAT_SRC = `// concat v1\nimport { sep } from './lib/sep.js';\nexport default async function concat() { return sep; }\n`;
const SEP_SRC = `// sep v1\nexport const sep = '\\n';\n`;
const COUNT_SRC = `// count v1\nexport default async function count() {}\n`;

/**
 * a/src    concat of in/a/*.txt
 * a/count  line count of a/src            (lossy: early cutoff)
 * a/report concat of a/count, params
 * b/raw    concat of in/b.txt, params
 * b/join   concat of b/raw and a/src      (a cross-dataset dependency)
 */
function config(over: { rawTitle?: string; reportTitle?: string } = {}) {
  return defineKfm({
    datasets: [
      dataset(testSpec('a'), [
        task('src', { run: './tasks/concat.ts', inputs: ['in/a/*.txt'] }),
        task('count', { run: './tasks/count.ts', deps: ['src'] }),
        task('report', { run: './tasks/concat.ts', deps: ['count'], params: { title: over.reportTitle ?? 'report' } }),
      ]),
      dataset(testSpec('b'), [
        task('raw', { run: './tasks/concat.ts', inputs: ['in/b.txt'], params: { title: over.rawTitle ?? 'raw' } }),
        task('join', { run: './tasks/concat.ts', deps: ['raw', 'a/src'] }),
      ]),
    ],
  });
}

const ALL = ['a/count', 'a/report', 'a/src', 'b/join', 'b/raw'];

function project(options: { stateFile?: boolean } = {}): EngineRig {
  const rig = new EngineRig(options);
  rigs.push(rig);
  rig.task('tasks/concat.ts', concatTask(rig.fs), CONCAT_SRC);
  rig.write('tasks/lib/sep.ts', SEP_SRC);
  rig.task('tasks/count.ts', lineCountTask(rig.fs), COUNT_SRC);
  rig.write('in/a/1.txt', 'one\ntwo\n');
  rig.write('in/a/2.txt', 'three\n');
  rig.write('in/b.txt', 'bee\n');
  rig.config = config();
  return rig;
}

/** Exactly which nodes the runner started (each once), sorted. */
function ran(b: RigBuild): string[] {
  expect(new Set(b.started).size).toBe(b.started.length);
  return [...b.started].sort();
}

function startReason(b: RigBuild, id: string): DirtyReason | undefined {
  const e = b.events.find((x): x is Extract<BuildEvent, { type: 'node-start' }> => x.type === 'node-start' && x.id === id);
  return e?.reason;
}

describe('build on fakes: what runs', () => {
  it('a clean build runs every node; a second build runs none and reads no file', async () => {
    const rig = project();
    const first = await rig.build();
    expect(first.summary.status).toBe('succeeded');
    expect(ran(first)).toEqual(ALL);
    expect(first.summary.counts).toEqual({ executed: 5, cached: 0, failed: 0, skipped: 0 });
    for (const id of ALL) expect(startReason(first, id)).toEqual({ type: 'no-previous-run' });
    expect(rig.output('b/join', 'out.txt').toString()).toBe(
      [
        '# b/join {}',
        '## a/src:out.txt',
        '# a/src {}\n## in/a/1.txt\none\ntwo\n\n## in/a/2.txt\nthree\n\n',
        '## b/raw:out.txt',
        '# b/raw {"title":"raw"}\n## in/b.txt\nbee\n\n',
      ].join('\n') + '\n',
    );
    expect(rig.output('a/count', 'count.txt').toString()).toBe('lines: 6\n');
    // The first build hashed every input and module once, and read each module once more for its imports.
    expect(Object.fromEntries(rig.fs.reads)).toEqual({
      '/proj/in/a/1.txt': 1,
      '/proj/in/a/2.txt': 1,
      '/proj/in/b.txt': 1,
      '/proj/tasks/concat.ts': 2,
      '/proj/tasks/count.ts': 2,
      '/proj/tasks/lib/sep.ts': 2,
    });
    expect(first.hasherReads).toBe(6);

    const second = await rig.build();
    expect(second.summary.status).toBe('succeeded');
    expect(second.started).toEqual([]);
    expect(second.summary.nodes.map((n) => [n.id, n.status])).toEqual(ALL.map((id) => [id, 'cached']));
    for (const n of second.summary.nodes) expect(n.key).toBe(first.node(n.id).key);
    expect(second.reads).toEqual([]);
    expect(second.hasherReads).toBe(0);
  });

  it('a new process (state reopened from its file) trusts the stat cache too', async () => {
    const rig = project({ stateFile: true });
    await rig.build();
    rig.reopen();
    const again = await rig.build();
    expect(again.started).toEqual([]);
    expect(again.summary.counts.cached).toBe(5);
    expect(again.reads).toEqual([]);
  });

  it('editing one input reruns exactly its node and the nodes its output reaches', async () => {
    const rig = project();
    await rig.build();
    const rawBefore = rig.latest('b/raw')!.outputsDigest;

    rig.write('in/b.txt', 'bee\nbuzz\n');
    const b = await rig.build();
    expect(ran(b)).toEqual(['b/join', 'b/raw']);
    expect(b.reads).toEqual(['/proj/in/b.txt']);
    const raw = startReason(b, 'b/raw');
    expect(raw).toMatchObject({ type: 'input-changed', path: 'in/b.txt' });
    expect(startReason(b, 'b/join')).toEqual({
      type: 'upstream-changed',
      upstream: 'b/raw',
      old: rawBefore,
      new: rig.latest('b/raw')!.outputsDigest,
    });

    rig.write('in/a/2.txt', 'three\nfour\n'); // one more line: the count changes too
    const a = await rig.build();
    expect(ran(a)).toEqual(['a/count', 'a/report', 'a/src', 'b/join']);
    expect(rig.output('a/count', 'count.txt').toString()).toBe('lines: 7\n');
  });

  it('early cutoff: an edit that leaves an upstream output unchanged leaves its dependents cached', async () => {
    const rig = project();
    await rig.build();
    const countBefore = rig.latest('a/count')!;

    rig.write('in/a/1.txt', 'uno\ndos\n'); // same number of lines
    const b = await rig.build();
    expect(ran(b)).toEqual(['a/count', 'a/src', 'b/join']);
    expect(b.status['a/report']).toBe('cached');
    expect(rig.latest('a/count')!.outputsDigest).toBe(countBefore.outputsDigest);
    expect(rig.latest('a/count')!.key).not.toBe(countBefore.key);
  });

  it('a glob that matches one more file, or one fewer, reruns the node', async () => {
    const rig = project();
    await rig.build();

    rig.write('in/a/3.txt', 'five\n');
    rig.write('in/a/.hidden.txt', 'not matched: dot files are skipped\n');
    rig.write('in/a/sub/4.txt', 'not matched: * does not cross /\n');
    const added = await rig.build();
    expect(ran(added)).toEqual(['a/count', 'a/report', 'a/src', 'b/join']);
    expect(startReason(added, 'a/src')).toMatchObject({ type: 'input-changed', path: 'in/a/3.txt', old: null });
    expect(added.reads).toEqual(['/proj/in/a/3.txt']);

    rig.fs.remove(rig.abs('in/a/3.txt'));
    const removed = await rig.build();
    // Back to the first build's inputs: every key matches a stored result.
    expect(removed.started).toEqual([]);
    expect(removed.summary.counts.cached).toBe(5);
  });

  it('touching a file without changing its bytes re-hashes it and runs nothing', async () => {
    const rig = project();
    await rig.build();
    rig.fs.touch(rig.abs('in/b.txt'));
    rig.write('in/a/1.txt', 'one\ntwo\n', { newInode: true }); // same bytes, new inode
    const b = await rig.build();
    expect(b.started).toEqual([]);
    expect(b.reads).toEqual(['/proj/in/a/1.txt', '/proj/in/b.txt']);
    const c = await rig.build();
    expect(c.reads).toEqual([]);
  });

  it('changing a param reruns the node and its dependents; changing it back reuses the stored result', async () => {
    const rig = project();
    await rig.build();

    rig.config = config({ rawTitle: 'raw, renamed' });
    const b = await rig.build();
    expect(ran(b)).toEqual(['b/join', 'b/raw']);
    expect(startReason(b, 'b/raw')).toEqual({ type: 'param-changed', pointer: '/title', old: 'raw', new: 'raw, renamed' });
    expect(b.reads).toEqual([]);

    rig.config = config({ reportTitle: 'a report' });
    const c = await rig.build();
    // b/raw is back to its first params: a stored result has that key, so it does not run.
    expect(ran(c)).toEqual(['a/report']);
    expect(c.status['b/raw']).toBe('cached');
    expect(c.status['b/join']).toBe('cached');
    expect(rig.output('b/raw', 'out.txt').toString()).toContain('"title":"raw"}');
  });

  it('changing a task module reruns exactly the nodes that use it', async () => {
    const rig = project();
    await rig.build();

    rig.write('tasks/count.ts', COUNT_SRC.replace('v1', 'v2'));
    const b = await rig.build();
    expect(ran(b)).toEqual(['a/count']); // same output bytes: a/report stays cached
    expect(startReason(b, 'a/count')).toMatchObject({ type: 'code-changed', file: 'tasks/count.ts' });
    expect(b.reads).toEqual(['/proj/tasks/count.ts']);
  });

  it('changing a local module a task imports reruns exactly the nodes using that task', async () => {
    const rig = project();
    await rig.build();

    rig.write('tasks/lib/sep.ts', SEP_SRC.replace('v1', 'v2'));
    const b = await rig.build();
    expect(ran(b)).toEqual(['a/report', 'a/src', 'b/join', 'b/raw']);
    expect(b.status['a/count']).toBe('cached');
    expect(startReason(b, 'a/src')).toMatchObject({ type: 'code-changed', file: 'tasks/lib/sep.ts' });

    // count.ts starts importing sep: now it is count's code too.
    rig.write('tasks/count.ts', `// count v1\nimport './lib/sep.js';\nexport default async function count() {}\n`);
    const c = await rig.build();
    expect(ran(c)).toEqual(['a/count']);
    expect(startReason(c, 'a/count')).toMatchObject({ type: 'code-changed' });
    rig.write('tasks/lib/sep.ts', SEP_SRC.replace('v1', 'v3'));
    const d = await rig.build();
    expect(ran(d)).toEqual(ALL);
  });

  it('a stored output deleted from the store makes its node rerun (output-missing)', async () => {
    const rig = project();
    await rig.build();
    const src = rig.latest('a/src')!;
    const out = src.outputs[0]!;
    rig.store.drop(out.digest);

    const b = await rig.build();
    expect(ran(b)).toEqual(['a/src']); // the same bytes come back: dependents stay cached
    expect(b.node('a/src')).toMatchObject({ status: 'executed', key: src.key });
    expect(startReason(b, 'a/src')).toEqual({ type: 'output-missing', output: 'out.txt', digest: out.digest });
    expect(rig.store.hasSync(out.digest, out.size)).toBe(true);
    expect((await rig.build()).started).toEqual([]);
  });

  it('a task reading a corrupt upstream object fails naming it; the object is quarantined and the next build reruns its producer', async () => {
    const rig = project();
    await rig.build();
    const src = rig.latest('a/src')!;
    const out = src.outputs[0]!;
    const store = rig.seams.store as MemoryContentStore;
    const flipped = Buffer.from(rig.store.read(out.digest));
    flipped[0] = flipped[0]! ^ 0xff;
    store.corrupt(out.digest, flipped);
    const flippedDigest = `sha256:${createHash('sha256').update(flipped).digest('hex')}`;
    // Same size: the cache check (a stat) cannot tell; a/src stays cached, a/count reads it.
    rig.write('tasks/count.ts', COUNT_SRC.replace('v1', 'v2'));
    const b = await rig.build({ keepGoing: true });
    expect(b.status['a/src']).toBe('cached');
    expect(b.status['a/count']).toBe('failed');
    expect(b.events.filter((e) => e.type === 'object-corrupt')).toEqual([
      { type: 'object-corrupt', digest: out.digest, node: 'a/src', output: 'out.txt', found: 'corrupt' },
    ]);
    expect(b.node('a/count').error?.message).toBe(
      `upstream output "out.txt" of a/src (${out.digest}) failed verification (store object ${out.digest} is corrupt: its bytes hash to ${flippedDigest}): the object was moved aside, and a/src reruns on the next build`,
    );
    expect(store.quarantined().map(([d]) => d)).toEqual([out.digest]);
    expect(rig.store.hasSync(out.digest)).toBe(false);

    const c = await rig.build();
    expect(startReason(c, 'a/src')).toEqual({ type: 'output-missing', output: 'out.txt', digest: out.digest });
    expect(c.status['a/src']).toBe('executed');
    expect(c.status['a/count']).toBe('executed');
    expect(rig.store.read(out.digest).length).toBe(out.size);
    expect((await rig.build()).started).toEqual([]);
  });

  it('builds only the targets and what they depend on', async () => {
    const rig = project();
    const a = await rig.build({ targets: [{ dataset: 'a', slice: undefined }] });
    expect(ran(a)).toEqual(['a/count', 'a/report', 'a/src']);
    expect(a.summary.nodes.map((n) => n.id)).toEqual(['a/count', 'a/report', 'a/src']);
    const b = await rig.build({ targets: [{ dataset: 'b', slice: undefined }] });
    expect(ran(b)).toEqual(['b/join', 'b/raw']);
    expect(b.status['a/src']).toBe('cached');
  });

  it('an `always` node runs every build; its dependents stay cached while its bytes do not change', async () => {
    const rig = project();
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('a'), [
          task('poll', { run: './tasks/concat.ts', inputs: ['in/b.txt'], always: true }),
          task('use', { run: './tasks/count.ts', deps: ['poll'] }),
        ]),
      ],
    });
    expect(ran(await rig.build())).toEqual(['a/poll', 'a/use']);
    const again = await rig.build();
    expect(again.started).toEqual(['a/poll']);
    expect(startReason(again, 'a/poll')).toEqual({ type: 'always' });
    expect(again.status['a/use']).toBe('cached');
    expect(again.reads).toEqual([]);
  });

  it('links a dataset with a default slice; an unchanged rebuild names the same version', async () => {
    const rig = project();
    rig.config = defineKfm({
      datasets: [dataset(testSpec('a'), [task('src', { run: './tasks/concat.ts', inputs: ['in/a/*.txt'] })], { slice: '2020' })],
    });
    const first = await rig.build();
    expect(first.summary.versions).toHaveLength(1);
    const v = first.summary.versions[0]!;
    expect(v).toMatchObject({ dataset: 'a', slice: '2020', created: true, mode: 'new', modeReason: 'no version of a@2020 yet', receipts: [] });
    expect(v.datasetVersionId).toMatch(/^2020\.[0-9a-f]{8}$/);
    expect(v.paths).toEqual([`processed/a/${v.datasetVersionId}/out.txt`, `processed/a/${v.datasetVersionId}/checksums.json`]);

    const again = await rig.build();
    expect(again.started).toEqual([]);
    expect(again.summary.versions).toEqual([{ ...v, created: false, mode: 'retry', modeReason: 'same spec and raw inputs' }]);

    rig.write('in/a/2.txt', 'other\n'); // other raw inputs, same spec: a backfill version
    const other = await rig.build();
    expect(other.summary.versions[0]).toMatchObject({ created: true, specHash: v.specHash, mode: 'backfill' });
    expect(other.summary.versions[0]!.modeReason).toMatch(/^raw inputs changed since 2020\.[0-9a-f]{8} \(same spec\): file:in\/a\/2\.txt sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}$/);
    expect(other.summary.versions[0]!.datasetVersionId).toMatch(new RegExp(`^${v.datasetVersionId.replace('.', '\\.')}\\.[0-9a-f]{8}$`));
  });

  it('a versioned build re-hashes what its version names: a corrupt object (same size) is quarantined and its node reruns in the same build', async () => {
    const rig = project();
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('a'), [task('src', { run: './tasks/concat.ts', inputs: ['in/a/*.txt'] }), task('count', { run: './tasks/count.ts', deps: ['src'] })], {
          slice: '2020',
        }),
      ],
    });
    const first = await rig.build();
    const v = first.summary.versions[0]!;
    const out = rig.latest('a/src')!.outputs[0]!;
    const store = rig.seams.store as MemoryContentStore;
    const good = rig.store.read(out.digest);
    store.corrupt(out.digest);
    expect(rig.store.hasSync(out.digest, out.size)).toBe(true); // the size-only cache check cannot tell

    const b = await rig.build();
    expect(b.events.filter((e) => e.type === 'object-corrupt')).toEqual([
      { type: 'object-corrupt', digest: out.digest, node: 'a/src', output: 'out.txt', found: 'corrupt' },
    ]);
    // The same bytes come back: a/count (early cutoff) stays cached, the version is a retry.
    expect(ran(b)).toEqual(['a/src']);
    expect(startReason(b, 'a/src')).toEqual({ type: 'output-missing', output: 'out.txt', digest: out.digest });
    expect(b.summary.versions).toEqual([{ ...v, created: false, mode: 'retry', modeReason: 'same spec and raw inputs' }]);
    expect(rig.store.read(out.digest)).toEqual(good);
    expect(store.quarantined().map(([d]) => d)).toEqual([out.digest]);
    expect((await rig.build()).events.filter((e) => e.type === 'object-corrupt')).toEqual([]);
  });

  it('jobs > 1 runs independent nodes at once and gives the same keys', async () => {
    const one = project();
    const serial = await one.build({ jobs: 1 });
    const three = one.fresh();
    rigs.push(three);
    const parallel = await three.build({ jobs: 3 });
    expect(ran(parallel)).toEqual(ALL);
    expect(parallel.summary.nodes.map((n) => [n.id, n.key])).toEqual(serial.summary.nodes.map((n) => [n.id, n.key]));
  });
});
