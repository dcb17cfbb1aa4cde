/**
 * Completing a promotion a killed `kfm promote` left in the ledger only (it signs its
 * receipt before it moves the registry): the registry is moved exactly when the ledger's
 * last promotion of the dataset is intact, signed with a pinned key, of a listed promotable
 * version, and started from the registry's current latest_version_id.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { Digest } from '../../core/digest.js';
import { completePromotions } from '../../engine/receipts/completePromotions.js';
import { nameDatasetVersion } from '../../engine/versions/nameDatasetVersion.js';
import { registryAfterBuild } from '../../engine/versions/registerDatasetVersion.js';
import { promoteReceipt } from '../../stages/promotion/promoteReceipt.js';
import { GATE_IDS, gateResult, worstAnswer, type GateAnswer } from '../../stages/promotion/gate.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { MemoryLedger } from '../../store/memory/memoryLedger.js';
import { readRegistry, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import { signStatement } from '../../store/receipts/dsse.js';
import { receiptStatement } from '../../store/receipts/inTotoStatement.js';
import { keyIdOf } from '../../store/receipts/signingKey.js';
import { pinKey } from '../../store/receipts/trustFile.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

/** A registry of dataset `a` listing one candidate version (as a build leaves it). */
function builtRegistry(): DatasetRegistry {
  const rig = new EngineRig();
  cleanups.push(() => rig.close());
  rig.write('t.ts', 'export default async function t() {}\n');
  rig.config = defineKfm({ datasets: [dataset(testSpec('a'), [task('out', { run: './t.ts' })], { slice: '2020' })] });
  const graph = rig.analyze();
  const result = { nodeId: 'a/out', key: D('f'), keyDoc: '{}', outputs: [{ name: 'o.txt', digest: D('c'), size: 1, media_type: 'text/plain' }], outputsDigest: D('e'), meta: null, runId: 'r', finishedAt: '2026-01-01T00:00:00.000Z', durationMs: 1 };
  const named = nameDatasetVersion({
    graph,
    dataset: 'a',
    slice: '2020',
    results: new Map([[result.nodeId, result]]),
    staticParts: () => ({ inputs: [], code: [['t.ts', D('2')]], codeDigest: D('3'), codeJson: '[]' }),
    versions: [],
  });
  return registryAfterBuild(undefined, graph, named);
}

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyid: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }) as string };
}

/** A project root with the registry written and `pinned` pinned in kfm.trust.json. */
function project(registry: DatasetRegistry, pinned: ReturnType<typeof newKey>): string {
  const root = mkdtempSync(join(tmpdir(), 'kfm-complete-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  writeRegistry(root, registry);
  pinKey(root, pinned.publicKeyPem, 'test');
  return root;
}

/** Ledger rows holding a promote receipt of the registry's version, signed with `key`. */
async function promotion(registry: DatasetRegistry, key: ReturnType<typeof newKey>, previous: string | null, answer: GateAnswer = 'PASS', ledger = new MemoryLedger()): Promise<LedgerEntry[]> {
  const gates = GATE_IDS.map((g) => gateResult(g, g === 'B' ? answer : 'PASS', ['test']));
  const receipt = promoteReceipt({
    slug: 'a',
    version: registry.versions[0]!,
    previous,
    outputs: [],
    decision: { gates, overall: worstAnswer(gates.map((g) => g.answer)) },
    decisionId: `kfm://policy_decision/test-${answer}`,
    policyDigest: null,
    approvals: [],
    override: null,
    policy: { label: 'public', obligations: [] },
    actor: { principal: 'test', role: 'operator' },
    environment: { gitCommit: null, kfmVersion: '0.0.0', nodeVersion: 'v20', platform: 'linux' },
    now: new Date('2026-01-02T00:00:00.000Z'),
  });
  await ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope: signStatement(receiptStatement(receipt), key) });
  return ledger.entries();
}

describe('completePromotions', () => {
  it('moves the registry to the version the ledger last promoted, once', async () => {
    const key = newKey();
    const registry = builtRegistry();
    const dvid = registry.versions[0]!.dataset_version_id;
    const root = project(registry, key);
    const rows = await promotion(registry, key, null);
    expect(completePromotions(root, rows)).toEqual([{ slug: 'a', datasetVersionId: dvid, seq: 1 }]);
    expect(readRegistry(root, 'a')).toMatchObject({ latest_version_id: dvid, versions: [{ dataset_version_id: dvid, status: 'published' }] });
    expect(completePromotions(root, rows)).toEqual([]);
  });

  it('leaves the registry alone for a receipt signed by an unpinned key, or one that started from another latest_version_id', async () => {
    const key = newKey();
    const registry = builtRegistry();
    const root = project(registry, key);
    expect(completePromotions(root, await promotion(registry, newKey(), null))).toEqual([]);
    expect(completePromotions(root, await promotion(registry, key, '2020.00000000'))).toEqual([]);
    expect(readRegistry(root, 'a')).toEqual(registry);
  });

  it('never acts on a denied promotion (validation.status fail), and a denial after a granted one does not hide it', async () => {
    const key = newKey();
    const registry = builtRegistry();
    const dvid = registry.versions[0]!.dataset_version_id;
    const root = project(registry, key);
    for (const answer of ['DENY', 'ABSTAIN', 'ERROR'] as const) expect(completePromotions(root, await promotion(registry, key, null, answer))).toEqual([]);
    expect(readRegistry(root, 'a')).toEqual(registry);
    const ledger = new MemoryLedger();
    await promotion(registry, key, null, 'PASS', ledger);
    const rows = await promotion(registry, key, null, 'DENY', ledger);
    expect(rows).toHaveLength(2);
    expect(completePromotions(root, rows)).toEqual([{ slug: 'a', datasetVersionId: dvid, seq: 1 }]);
  });
});
