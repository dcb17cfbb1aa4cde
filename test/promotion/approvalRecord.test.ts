/**
 * Approval records (kfm approve): signed as in-toto statements in DSSE envelopes, appended to
 * the ledger as `approval` entries; verifyLedger checks their signature, schema, subject and
 * index columns; versionApprovals counts only verified approvals of exactly the version and
 * its spec_hash. Also: kfm.policy.json is read and validated (missing, not JSON, invalid).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { datasetVersionId } from '../../core/datasetVersionId.js';
import { verifyLedger } from '../../store/ledger/verifyLedger.js';
import { MemoryLedger } from '../../store/memory/memoryLedger.js';
import { approvalRecord, approvalStatement, LEDGER_KIND_APPROVAL, verifyApprovalEnvelope } from '../../store/receipts/approvalRecord.js';
import { serializeEnvelope, signStatement } from '../../store/receipts/dsse.js';
import { keyIdOf } from '../../store/receipts/signingKey.js';
import { versionApprovals } from '../../stages/promotion/versionApprovals.js';
import { readPolicy } from '../../stages/promotion/promotionPolicy.js';
import { REPO_ROOT, RIG_POLICY } from '../support/cliRig.js';

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyid: keyIdOf(publicKey), privateKey, publicKey };
}

const SPEC = canonicalDigest('spec');
const DVID = datasetVersionId('2020', SPEC);
const NOW = new Date('2026-03-02T14:15:00.000Z');

describe('approval records', () => {
  it('verify when signed by a trusted key; a wrong key, an edited record or a wrong subject do not', () => {
    const key = newKey();
    const trusted = new Map([[key.keyid, key.publicKey]]);
    const record = approvalRecord({ slug: 'sites', dvid: DVID, specHash: SPEC, role: 'steward', principal: 'alice', now: NOW });
    expect(record.approval_id).toMatch(/^kfm:\/\/approval\/20260302T141500Z\.sites\.[0-9a-f]{8}$/);
    const envelope = signStatement(approvalStatement(record), key);
    expect(verifyApprovalEnvelope(serializeEnvelope(envelope), trusted)).toEqual({ problems: [], claimed: record });

    const other = newKey();
    expect(verifyApprovalEnvelope(serializeEnvelope(signStatement(approvalStatement(record), other)), trusted).problems).toHaveLength(1);
    // The payload edited after signing: the signature no longer verifies.
    const tampered = { ...envelope, payload: Buffer.from(JSON.stringify({ ...approvalStatement(record), predicate: { ...record, role: 'root' } })).toString('base64') };
    expect(verifyApprovalEnvelope(serializeEnvelope(tampered), trusted).problems).toEqual([expect.stringContaining('signature')]);
    const wrongSubject = signStatement({ ...approvalStatement(record), subject: [{ name: 'kfm://dataset/other@2020.00000000', digest: { sha256: '0'.repeat(64) } }] }, key);
    expect(verifyApprovalEnvelope(serializeEnvelope(wrongSubject), trusted).problems).toEqual(['approval statement subject is not the version it approves']);
    const noScope = signStatement({ ...approvalStatement(record), predicate: { ...record, scope: 'anything' } as never }, key);
    expect(verifyApprovalEnvelope(serializeEnvelope(noScope), trusted).problems[0]).toMatch(/^approval fails its schema: \/scope /);
  });

  it('are ledger entries verifyLedger accepts, and reports when their signature is not trusted', async () => {
    const key = newKey();
    const record = approvalRecord({ slug: 'sites', dvid: DVID, specHash: SPEC, role: 'steward', principal: 'alice', now: NOW });
    const ledger = new MemoryLedger();
    await ledger.append({ kind: LEDGER_KIND_APPROVAL, envelope: signStatement(approvalStatement(record), key) });
    const store = { check: async () => 'ok' as const };
    expect(await verifyLedger({ ledger, store, trustedKeys: new Map([[key.keyid, key.publicKey]]) })).toEqual([]);
    const untrusted = await verifyLedger({ ledger, store, trustedKeys: new Map() });
    expect(untrusted.map((p) => [p.seq, p.reason])).toEqual([[1, 'approval-invalid']]);
    const rows = await ledger.entries();
    expect(rows[0]).toMatchObject({ kind: 'approval', datasetSlug: 'sites', datasetVersionId: DVID, runId: null });
  });

  it('count for the version only when verified and of exactly its dvid and spec_hash', async () => {
    const key = newKey();
    const trusted = new Map([[key.keyid, key.publicKey]]);
    const ledger = new MemoryLedger();
    const sign = (r: ReturnType<typeof approvalRecord>, k = key) => ledger.append({ kind: LEDGER_KIND_APPROVAL, envelope: signStatement(approvalStatement(r), k) });
    const mine = approvalRecord({ slug: 'sites', dvid: DVID, specHash: SPEC, role: 'steward', principal: 'alice', now: NOW });
    await sign(mine);
    await sign(approvalRecord({ slug: 'sites', dvid: DVID, specHash: canonicalDigest('other spec'), role: 'steward', principal: 'eve', now: NOW }));
    await sign(approvalRecord({ slug: 'sites', dvid: datasetVersionId('2021', SPEC), specHash: SPEC, role: 'steward', principal: 'bob', now: NOW }));
    await sign(approvalRecord({ slug: 'sites', dvid: DVID, specHash: SPEC, role: 'steward', principal: 'mallory', now: NOW }), newKey());
    expect(versionApprovals(await ledger.entries(), trusted, 'sites', DVID, SPEC)).toEqual([mine]);
  });
});

describe('kfm.policy.json', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const project = (text?: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-policy-'));
    dirs.push(dir);
    if (text !== undefined) writeFileSync(join(dir, 'kfm.policy.json'), text);
    return dir;
  };

  it('is missing, not JSON, invalid against its schema, or read with its digest', () => {
    expect(readPolicy(project())).toEqual({ status: 'missing' });
    expect(readPolicy(project('{ nope'))).toMatchObject({ status: 'error', message: expect.stringMatching(/^kfm\.policy\.json is not JSON: /) });
    const invalid = readPolicy(project(JSON.stringify({ kfm_policy_version: 'v1', licences: [], labels: { secret: { publish: true } }, qa: { override_role: 'steward', allow_unchecked: false } })));
    expect(invalid).toMatchObject({ status: 'error', message: expect.stringContaining('does not match schemas/policy.schema.json: /labels') });
    const ok = readPolicy(project(RIG_POLICY));
    expect(ok).toMatchObject({ status: 'ok', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    const repo = readPolicy(REPO_ROOT);
    expect(repo.status).toBe('ok');
  });
});
