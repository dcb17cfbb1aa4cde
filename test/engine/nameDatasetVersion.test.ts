/**
 * Naming a dataset version is pure: from the graph, the node results, the static parts and
 * the slice's versions to the dvid, the digests, the rerun decision and the data/ entries,
 * with no I/O (nothing here has a store, a state or a data directory).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import { sha256, type Digest } from '../../core/digest.js';
import type { Graph } from '../../engine/graph/graph.js';
import type { StaticParts } from '../../engine/plan/planner.js';
import { nameDatasetVersion, type NameDatasetVersionArgs } from '../../engine/versions/nameDatasetVersion.js';
import type { NodeResult, VersionRecord } from '../../store/state.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

function graphOf(tasks: Parameters<typeof task>[]): Graph {
  const rig = new EngineRig();
  rigs.push(rig);
  rig.write('t.ts', 'export default async function t() {}\n');
  rig.config = defineKfm({ datasets: [dataset(testSpec('a'), tasks.map(([name, options]) => task(name, options)), { slice: '2020' })] });
  return rig.analyze();
}

function result(nodeId: string, outputs: [string, string][], outputsDigest: Digest = D('e')): NodeResult {
  return {
    nodeId,
    key: D('f'),
    keyDoc: '{}',
    outputs: outputs.map(([name, c]) => ({ name, digest: D(c), size: 3, media_type: 'text/plain' })),
    outputsDigest,
    meta: null,
    runId: 'run-0001',
    finishedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
  };
}

const staticParts = (): StaticParts => ({ inputs: [['in/x.txt', D('1')]], code: [['t.ts', D('2')]], codeDigest: D('3'), codeJson: '[]' });

function args(graph: Graph, results: NodeResult[], versions: VersionRecord[] = []): NameDatasetVersionArgs {
  return { graph, dataset: 'a', slice: '2020', results: new Map(results.map((r) => [r.nodeId, r])), staticParts, versions };
}

function recordOf(named: ReturnType<typeof nameDatasetVersion>): VersionRecord {
  return {
    datasetVersionId: named.datasetVersionId,
    datasetSlug: 'a',
    slice: '2020',
    specHash: named.spec.specHash,
    inputsDigest: named.inputsDigest,
    outputsDigest: named.outputsDigest,
    runId: 'run-0001',
    createdAt: '2026-01-01T00:00:00.000Z',
    specDocument: named.spec.document,
    taskCode: named.spec.taskCode,
    rawInputs: named.rawInputs,
    mode: named.decision.mode,
    modeReason: named.decision.reason,
  };
}

describe('nameDatasetVersion', () => {
  it('names a new version with its data/ entries and checksums.json, the same every time', () => {
    const graph = graphOf([
      ['fetch', { run: './t.ts', zone: 'raw' }],
      ['clean', { run: './t.ts', deps: ['fetch'], zone: 'work' }],
      ['out', { run: './t.ts', deps: ['clean'] }],
    ]);
    const results = [result('a/fetch', [['rows.csv', 'a']], D('9')), result('a/clean', [['rows.json', 'b']]), result('a/out', [['rows.txt', 'c']])];
    const named = nameDatasetVersion(args(graph, results));
    expect(nameDatasetVersion(args(graph, results))).toEqual(named);
    const dvid = named.datasetVersionId;
    expect(dvid).toBe(`2020.${named.spec.specHash.slice(7, 15)}`);
    expect(named).toMatchObject({ slug: 'a', slice: '2020', created: true, decision: { mode: 'new', reason: 'no version of a@2020 yet' } });
    expect(named.entries.map((e) => e.path)).toEqual([
      `raw/a/${'9'.repeat(16)}/rows.csv`,
      `processed/a/${dvid}/rows.txt`,
      `work/a/${dvid}/clean/rows.json`,
      `processed/a/${dvid}/checksums.json`,
    ]);
    expect(named.paths.get('a/clean\nrows.json')).toBe(`work/a/${dvid}/clean/rows.json`);
    expect(named.entries[3]!.digest).toBe(sha256(named.checksums));
    expect(JSON.parse(named.checksums.toString('utf8'))).toEqual({
      kfm_checksums_version: 'v1',
      dataset_slug: 'a',
      dataset_version_id: dvid,
      spec_hash: named.spec.specHash,
      files: [{ path: 'rows.txt', digest: D('c'), size: 3, media_type: 'text/plain' }],
    });
  });

  it('finds a retry of an existing version, and refuses one with other output bytes', () => {
    const graph = graphOf([['out', { run: './t.ts' }]]);
    const first = nameDatasetVersion(args(graph, [result('a/out', [['o.txt', 'c']])]));
    const retry = nameDatasetVersion(args(graph, [result('a/out', [['o.txt', 'c']])], [recordOf(first)]));
    expect(retry).toMatchObject({ datasetVersionId: first.datasetVersionId, created: false, decision: { mode: 'retry', reason: 'same spec and raw inputs' } });
    expect(() => nameDatasetVersion(args(graph, [result('a/out', [['o.txt', 'd']])], [recordOf(first)]))).toThrow(
      `dataset a@${first.datasetVersionId} was built before from the same spec and inputs but with other output bytes: a task is not deterministic (a dvid never names other bytes)`,
    );
  });

  it('refuses two tasks writing one path, and a task writing into the receipts folder', () => {
    const two = graphOf([
      ['x', { run: './t.ts' }],
      ['y', { run: './t.ts' }],
    ]);
    expect(() => nameDatasetVersion(args(two, [result('a/x', [['o.txt', 'c']]), result('a/y', [['o.txt', 'd']])]))).toThrow(/^tasks a\/x and a\/y both write processed\/a\/2020\.[0-9a-f]{8}\/o\.txt$/);
    const receipts = graphOf([['x', { run: './t.ts', zone: 'catalog' }]]);
    expect(() => nameDatasetVersion(args(receipts, [result('a/x', [['receipts/r.json', 'c']])]))).toThrow(/catalog\/<slug>\/<dvid>\/receipts\/ is reserved for run receipts$/);
  });
});
