/**
 * The registry a build leaves (pure): a created version becomes a `candidate`; a retry of a
 * version the registry already lists changes nothing; and a retry of a version the registry
 * does not list (a build killed after recording it in the state, before its registry entry:
 * test/e2e/crashPoints.test.ts) lists it, with the mode that created it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { Digest } from '../../core/digest.js';
import type { Graph } from '../../engine/graph/graph.js';
import type { StaticParts } from '../../engine/plan/planner.js';
import { nameDatasetVersion, type NamedVersion } from '../../engine/versions/nameDatasetVersion.js';
import { registryAfterBuild } from '../../engine/versions/registerDatasetVersion.js';
import type { NodeResult, VersionRecord } from '../../store/state.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

function graphOf(): Graph {
  const rig = new EngineRig();
  rigs.push(rig);
  rig.write('t.ts', 'export default async function t() {}\n');
  rig.config = defineKfm({ datasets: [dataset(testSpec('a'), [task('out', { run: './t.ts' })], { slice: '2020' })] });
  return rig.analyze();
}

const result: NodeResult = {
  nodeId: 'a/out',
  key: D('f'),
  keyDoc: '{}',
  outputs: [{ name: 'rows.txt', digest: D('c'), size: 3, media_type: 'text/plain' }],
  outputsDigest: D('e'),
  meta: null,
  runId: 'run-0001',
  finishedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1,
};

const staticParts = (): StaticParts => ({ inputs: [['in/x.txt', D('1')]], code: [['t.ts', D('2')]], codeDigest: D('3'), codeJson: '[]' });

function named(graph: Graph, versions: VersionRecord[]): NamedVersion {
  return nameDatasetVersion({ graph, dataset: 'a', slice: '2020', results: new Map([[result.nodeId, result]]), staticParts, versions });
}

function recordOf(v: NamedVersion, mode: string | null): VersionRecord {
  return {
    datasetVersionId: v.datasetVersionId,
    datasetSlug: 'a',
    slice: '2020',
    specHash: v.spec.specHash,
    inputsDigest: v.inputsDigest,
    outputsDigest: v.outputsDigest,
    runId: 'run-0001',
    createdAt: '2026-01-01T00:00:00.000Z',
    specDocument: v.spec.document,
    taskCode: v.spec.taskCode,
    rawInputs: v.rawInputs,
    mode,
    modeReason: null,
  };
}

describe('registryAfterBuild', () => {
  it('a new version is a candidate; its retry leaves the registry as it was', () => {
    const graph = graphOf();
    const created = named(graph, []);
    const registry = registryAfterBuild(undefined, graph, created);
    expect(registry.versions).toEqual([
      { dataset_version_id: created.datasetVersionId, slice: '2020', spec_hash: created.spec.specHash, inputs_digest: created.inputsDigest, mode: 'new', status: 'candidate' },
    ]);
    const retry = named(graph, [recordOf(created, 'new')]);
    expect(retry.decision.mode).toBe('retry');
    expect(registryAfterBuild(registry, graph, retry)).toEqual(registry);
  });

  it('a retry of a version the registry does not list adds it, with the mode that created it', () => {
    const graph = graphOf();
    const created = named(graph, []);
    const complete = registryAfterBuild(undefined, graph, created);
    const withoutEntry = { ...complete, versions: [] };
    for (const mode of ['new', 'reprocess', 'backfill'] as const) {
      const retry = named(graph, [recordOf(created, mode)]);
      expect(registryAfterBuild(withoutEntry, graph, retry).versions).toEqual([{ ...complete.versions[0]!, mode }]);
    }
    // A version recorded before modes were: 'new'.
    expect(registryAfterBuild(undefined, graph, named(graph, [recordOf(created, null)]))).toEqual(complete);
  });
});
