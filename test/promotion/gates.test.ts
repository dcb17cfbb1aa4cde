/**
 * Gates A–G as pure functions over a PromotionEvidence record: each gate's four answers
 * (PASS, ABSTAIN, DENY, ERROR) from evidence that differs from an all-passing record in one
 * place, the worst-answer rule, and gate C on real geometry (points generalized to a grid
 * by core/generalization.ts pass; raw points, or a plan PROV does not record, are denied).
 */
import fc from 'fast-check';
import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { datasetVersionId } from '../../core/datasetVersionId.js';
import type { Digest } from '../../core/digest.js';
import { generalizeFeatureCollection } from '../../core/generalization.js';
import type { ApprovalRecord } from '../../store/receipts/approvalRecord.js';
import { GATE_IDS, worstAnswer, type GateAnswer, type GateId, type GateResult } from '../../stages/promotion/gate.js';
import { gateCatalog } from '../../stages/promotion/gateCatalog.js';
import { gateIdentity } from '../../stages/promotion/gateIdentity.js';
import { gateLicence } from '../../stages/promotion/gateLicence.js';
import { gateQa } from '../../stages/promotion/gateQa.js';
import { gateReceipts } from '../../stages/promotion/gateReceipts.js';
import { gateSensitivity } from '../../stages/promotion/gateSensitivity.js';
import { gateSpecHash } from '../../stages/promotion/gateSpecHash.js';
import type { PromotionEvidence } from '../../stages/promotion/promotionEvidence.js';
import type { PromotionPolicy } from '../../stages/promotion/promotionPolicy.js';
import { runGates } from '../../stages/promotion/runGates.js';
import { testSpec } from '../support/testSpec.js';

const SPEC_HASH = canonicalDigest('spec');
const OTHER_HASH = canonicalDigest('another spec');
const DVID = datasetVersionId('2020', SPEC_HASH);

const POLICY: PromotionPolicy = {
  kfm_policy_version: 'v1',
  licences: [
    { id: 'public-domain', requires_attribution: false },
    { id: 'CC-BY-4.0', names: ['CC BY 4.0'], requires_attribution: true },
  ],
  labels: {
    public: { publish: true },
    restricted_sensitive_location: { publish: true, requires_generalization: true, approval_roles: ['steward'] },
    internal: { publish: false },
  },
  qa: { override_role: 'steward', allow_unchecked: false },
};

const CHECKS = [
  { name: 'geometry_valid', threshold: '>= 0.999' },
  { name: 'duplicate_rate', threshold: '<= 0.001' },
];

function approval(role: string): ApprovalRecord {
  return {
    kfm_approval_version: 'v1',
    approval_id: 'kfm://approval/20260101T000000Z.sites.0badcafe',
    dataset_slug: 'sites',
    dataset_version_id: DVID,
    spec_hash: SPEC_HASH,
    role,
    principal: 'alice',
    approved_at: '2026-01-01T00:00:00.000Z',
    scope: 'promote',
  };
}

/** Evidence every gate passes: a public, public-domain version with catalogs, receipts and a passing QA report. */
function evidence(patch: Partial<PromotionEvidence> = {}): PromotionEvidence {
  const spec = { ...testSpec('sites'), validation: { checks: CHECKS } };
  spec.upstream = { ...spec.upstream, terms_snapshot: { license: 'public-domain' } };
  return {
    slug: 'sites',
    dvid: DVID,
    version: { dataset_version_id: DVID, slice: '2020', spec_hash: SPEC_HASH, inputs_digest: canonicalDigest('inputs'), mode: 'new', status: 'candidate' },
    registry: { spec_hash: SPEC_HASH, policy_label: 'public' },
    spec: { status: 'ok', value: spec },
    policy: { status: 'ok', policy: POLICY, digest: canonicalDigest(POLICY) },
    generalization: { status: 'ok', value: [] },
    published_geojson: { status: 'ok', value: [] },
    approvals: { status: 'ok', value: [] },
    catalog: { status: 'ok', value: { files: [{ path: `catalog/sites/${DVID}/dcat.jsonld`, digest: canonicalDigest('dcat') }], problems: [] } },
    receipts: { status: 'ok', value: { nodes: ['sites/a', 'sites/qa'], receipted: ['sites/a', 'sites/qa'], problems: [], store_problems: [], untraced: [] } },
    qa: {
      status: 'ok',
      value: { path: `data/processed/sites/${DVID}/qa/validation_report.json`, digest: canonicalDigest('qa'), status: 'pass', reports: CHECKS.map((c) => ({ ...c, status: 'pass' as const, value: 1 })) },
    },
    override: null,
    current_spec_hash: { status: 'ok', value: SPEC_HASH },
    ...patch,
  };
}

/** Evidence with a spec changed by `f`. */
function withSpec(f: (s: ReturnType<typeof testSpec>) => void, patch: Partial<PromotionEvidence> = {}): PromotionEvidence {
  const e = evidence(patch);
  const spec = structuredClone((e.spec as { value: ReturnType<typeof testSpec> }).value);
  f(spec);
  return { ...e, spec: { status: 'ok', value: spec } };
}

const answerOf = (r: GateResult) => r.answer;

describe('the gates on an all-passing record', () => {
  it('all pass, each with a reason, in order A–G; the overall answer is PASS', () => {
    const d = runGates(evidence());
    expect(d.gates.map((g) => [g.gate, g.answer])).toEqual(GATE_IDS.map((g) => [g, 'PASS']));
    expect(d.gates.every((g) => g.reasons.length > 0 && g.name.length > 0)).toBe(true);
    expect(d.overall).toBe('PASS');
  });

  it('the overall answer is the worst: ERROR > DENY > ABSTAIN > PASS', () => {
    expect(worstAnswer([])).toBe('PASS');
    expect(worstAnswer(['PASS', 'ABSTAIN', 'PASS'])).toBe('ABSTAIN');
    expect(worstAnswer(['ABSTAIN', 'DENY', 'PASS'])).toBe('DENY');
    expect(worstAnswer(['DENY', 'ERROR', 'ABSTAIN'])).toBe('ERROR');
    const d = runGates(evidence({ policy: { status: 'missing' }, current_spec_hash: { status: 'ok', value: OTHER_HASH } }));
    expect(d.gates.filter((g) => g.answer !== 'PASS').map((g) => [g.gate, g.answer])).toEqual([
      ['B', 'ABSTAIN'],
      ['C', 'ABSTAIN'],
      ['G', 'DENY'],
    ]);
    expect(d.overall).toBe('DENY');
  });
});

describe('gate A (identity)', () => {
  it('PASS for a dvid derived from its slice and spec_hash, and a backfill whose third part is its inputs digest', () => {
    expect(gateIdentity(evidence())).toMatchObject({ gate: 'A', name: 'identity', answer: 'PASS' });
    const inputs = canonicalDigest('backfill inputs');
    const dvid = datasetVersionId('2020', SPEC_HASH, inputs);
    const e = evidence();
    expect(answerOf(gateIdentity({ ...e, dvid, version: { ...e.version, dataset_version_id: dvid, inputs_digest: inputs, mode: 'backfill' } }))).toBe('PASS');
  });
  it('DENY for a dvid not derived from its spec_hash, a malformed slug, or a spec the registry no longer records', () => {
    const e = evidence();
    const forged = `2020.${'f'.repeat(8)}`;
    const r = gateIdentity({ ...e, dvid: forged, version: { ...e.version, dataset_version_id: forged } });
    expect(r).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining(`${forged} is not derived from its slice and spec_hash`)] });
    expect(gateIdentity({ ...e, slug: 'Sites!' }).answer).toBe('DENY');
    const drifted = gateIdentity({ ...e, registry: { ...e.registry, spec_hash: OTHER_HASH } });
    expect(drifted).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining("but the registry's current spec is")] });
  });
  it('ERROR when the registry entry has no readable spec_hash', () => {
    const e = evidence();
    expect(gateIdentity({ ...e, version: { ...e.version, spec_hash: 'nonsense' as Digest } }).answer).toBe('ERROR');
  });
  it('ABSTAIN for a slice of a form this kfm does not derive ids from (a documented other form)', () => {
    const e = evidence();
    const dvid = `Q3-2020.${DVID.split('.')[1]}`;
    const r = gateIdentity({ ...e, dvid, version: { ...e.version, slice: 'Q3-2020', dataset_version_id: dvid } });
    expect(r).toMatchObject({ answer: 'ABSTAIN', reasons: ['slice "Q3-2020" is not of a form this kfm derives dataset version ids from (YYYY, YYYY-MM, YYYY-MM-DD)'] });
  });
});

describe('gate B (licence and rights)', () => {
  it('PASS for an allowed licence, by id or listed name; with attribution captured where the licence asks', () => {
    expect(gateLicence(evidence())).toMatchObject({ gate: 'B', answer: 'PASS', reasons: ['licence public-domain is allowed and asks for no attribution'] });
    const attributed = withSpec((s) => {
      s.upstream.terms_snapshot = { license: 'CC BY 4.0', attribution: 'Contains data from GeoNames' };
      s.sensitivity.obligations = ['attribution'];
    });
    expect(gateLicence(attributed)).toMatchObject({ answer: 'PASS', reasons: ['licence CC-BY-4.0 is allowed; attribution captured: "Contains data from GeoNames"'] });
  });
  it('ABSTAIN without kfm.policy.json', () => {
    expect(gateLicence(evidence({ policy: { status: 'missing' } }))).toMatchObject({ answer: 'ABSTAIN', reasons: [expect.stringContaining('no kfm.policy.json')] });
  });
  it('DENY for an unclear, unlisted or missing licence, and for CC-BY-4.0 without its attribution', () => {
    const unclear = gateLicence(withSpec((s) => (s.upstream.terms_snapshot = { license: 'see website' })));
    expect(unclear).toEqual({
      gate: 'B',
      name: 'licence and rights',
      answer: 'DENY',
      reasons: ['licence "see website" is not on the allow-list of kfm.policy.json (public-domain, CC-BY-4.0): rights unclear'],
    });
    expect(gateLicence(withSpec((s) => (s.upstream.terms_snapshot = { license: '' }))).answer).toBe('DENY');
    const noAttribution = gateLicence(withSpec((s) => (s.upstream.terms_snapshot = { license: 'CC-BY-4.0' })));
    expect(noAttribution.answer).toBe('DENY');
    expect(noAttribution.reasons).toEqual([
      'licence CC-BY-4.0 requires attribution, but the spec has no upstream.terms_snapshot.attribution',
      'licence CC-BY-4.0 requires attribution, but sensitivity.obligations does not list "attribution"',
    ]);
  });
  it('ERROR when the policy file or the spec cannot be read', () => {
    expect(gateLicence(evidence({ policy: { status: 'error', message: 'kfm.policy.json is not JSON' } }))).toMatchObject({ answer: 'ERROR', reasons: ['kfm.policy.json is not JSON'] });
    expect(gateLicence(evidence({ spec: { status: 'missing', message: 'no spec' } })).answer).toBe('ERROR');
  });
});

/** Random points in Kansas, as a FeatureCollection. */
const points = fc.array(fc.tuple(fc.double({ min: -102, max: -94.7, noNaN: true }), fc.double({ min: 37, max: 40, noNaN: true })), { minLength: 1, maxLength: 40 }).map(
  (ps): FeatureCollection => ({
    type: 'FeatureCollection',
    features: ps.map(([lon, lat], i) => ({ type: 'Feature', id: i, properties: { name: `site ${i}` }, geometry: { type: 'Point', coordinates: [lon, lat] } })),
  }),
);

/** Evidence of a restricted_sensitive_location version publishing `published`, with PROV recording `methods`. */
function sensitive(published: unknown, methods: string[], approvals: ApprovalRecord[] = [approval('steward')]): PromotionEvidence {
  return withSpec((s) => (s.sensitivity.policy_label_intent = 'restricted_sensitive_location'), {
    generalization: { status: 'ok', value: methods },
    published_geojson: { status: 'ok', value: [{ path: `processed/sites/${DVID}/sites.geojson`, geojson: published }] },
    approvals: { status: 'ok', value: approvals },
  });
}

describe('gate C (sensitivity)', () => {
  it('PASS for public data; for sensitive locations only when generalized as PROV records and approved by a steward', () => {
    expect(gateSensitivity(evidence())).toMatchObject({ gate: 'C', answer: 'PASS', reasons: ['policy label public may be published'] });
    const raw: FeatureCollection = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [-97.3371, 37.6872] } }] };
    const grid = generalizeFeatureCollection(raw, 'grid_aggregation_3600');
    expect(gateSensitivity(sensitive(grid, ['grid_aggregation_3600']))).toMatchObject({
      answer: 'PASS',
      reasons: [
        'policy label restricted_sensitive_location may be published',
        `data/processed/sites/${DVID}/sites.geojson is generalized (grid_aggregation_3600)`,
        'approved by alice (steward) at 2026-01-01T00:00:00.000Z',
      ],
    });
  });

  it('property: random points generalized to a grid pass, and no published coordinate is finer than the grid; the raw points are denied', () => {
    fc.assert(
      fc.property(points, fc.constantFrom(60, 300, 3600), (raw, n) => {
        const method = `grid_aggregation_${n}`;
        const published = generalizeFeatureCollection(raw, method);
        expect(gateSensitivity(sensitive(published, [method])).answer).toBe('PASS');
        const cell = n / 3600;
        for (const f of published.features) {
          const [lon, lat] = (f.geometry as { coordinates: number[] }).coordinates as [number, number];
          // A cell centre: (k + 1/2) cells from the origin, never a raw position.
          expect(Math.abs(((lon + 180) / cell) % 1) - 0.5).toBeCloseTo(0, 6);
          expect(Math.abs(((lat + 90) / cell) % 1) - 0.5).toBeCloseTo(0, 6);
        }
        expect(gateSensitivity(sensitive(raw, [method])).answer).toBe('DENY');
      }),
      { numRuns: 40, seed: 10 },
    );
  });

  it('DENY when the plan is missing from PROV, the geometry is not generalized, the steward approval is missing, or the label is not publishable', () => {
    const raw: FeatureCollection = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'nest' }, geometry: { type: 'Point', coordinates: [-97.3371, 37.6872] } }] };
    const grid = generalizeFeatureCollection(raw, 'grid_aggregation_60');
    const noPlan = gateSensitivity(sensitive(grid, []));
    expect(noPlan).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining('there is no generalization plan')] });
    const notApplied = gateSensitivity(sensitive(raw, ['grid_aggregation_60']));
    expect(notApplied).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining(`data/processed/sites/${DVID}/sites.geojson is not generalized as PROV says (grid_aggregation_60: `)] });
    const unapproved = gateSensitivity(sensitive(grid, ['grid_aggregation_60'], [approval('operator')]));
    expect(unapproved).toMatchObject({ answer: 'DENY', reasons: [`policy label restricted_sensitive_location needs the approval of a steward: run kfm approve sites@${DVID} --role steward`] });
    expect(gateSensitivity(sensitive(grid, ['grid_aggregation_7']))).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining('unusable generalization plan')] });
    expect(gateSensitivity(withSpec((s) => (s.sensitivity.policy_label_intent = 'internal')))).toMatchObject({ answer: 'DENY', reasons: [expect.stringContaining('may not be published')] });
    // Default deny: a label the policy does not list, and an intent that is no label (quarantine).
    expect(gateSensitivity(withSpec((s) => (s.sensitivity.policy_label_intent = 'embargoed'))).reasons).toEqual(['policy label embargoed is not listed in kfm.policy.json: default deny']);
    expect(gateSensitivity(withSpec((s) => (s.sensitivity.policy_label_intent = 'secret-ish'))).reasons).toEqual(['policy label quarantine is not listed in kfm.policy.json: default deny']);
  });

  it('ABSTAIN without kfm.policy.json; ERROR when PROV, the artifacts or the approvals cannot be read', () => {
    expect(gateSensitivity(evidence({ policy: { status: 'missing' } })).answer).toBe('ABSTAIN');
    const ok = sensitive({ type: 'FeatureCollection', features: [] }, ['grid_aggregation_60']);
    expect(gateSensitivity({ ...ok, generalization: { status: 'error', message: 'bundle.jsonld is not JSON' } })).toMatchObject({ answer: 'ERROR', reasons: ['bundle.jsonld is not JSON'] });
    expect(gateSensitivity({ ...ok, published_geojson: { status: 'error', message: 'cannot read x.geojson' } }).answer).toBe('ERROR');
    expect(gateSensitivity({ ...ok, approvals: { status: 'error', message: 'ledger unreadable' } }).answer).toBe('ERROR');
  });
});

describe('gate D (catalog triplet)', () => {
  it('PASS when checkCatalog finds no problem', () => {
    expect(gateCatalog(evidence())).toMatchObject({ gate: 'D', answer: 'PASS' });
  });
  it('ABSTAIN when no catalog was generated', () => {
    expect(gateCatalog(evidence({ catalog: { status: 'missing', message: 'no catalog generated' } }))).toMatchObject({ answer: 'ABSTAIN', reasons: ['no catalog generated'] });
  });
  it('DENY for each problem, named with its file and check', () => {
    const catalog = {
      files: [],
      problems: [
        { file: 'catalog/sites/x/stac/collection.json', check: 'link' as const, message: 'links[2] (describedby) ../dcat.jsonld does not resolve' },
        { file: 'catalog/sites/x/dcat.jsonld', check: 'digest' as const, message: 'kfm:digest sha256:aa… is not the digest of processed/sites/x/sites.geojson' },
      ],
    };
    expect(gateCatalog(evidence({ catalog: { status: 'ok', value: catalog } }))).toEqual({
      gate: 'D',
      name: 'catalog triplet',
      answer: 'DENY',
      reasons: [
        'catalog/sites/x/stac/collection.json: link: links[2] (describedby) ../dcat.jsonld does not resolve',
        'catalog/sites/x/dcat.jsonld: digest: kfm:digest sha256:aa… is not the digest of processed/sites/x/sites.geojson',
      ],
    });
  });
  it('ERROR when the check itself failed', () => {
    expect(gateCatalog(evidence({ catalog: { status: 'error', message: 'checking the catalog failed: EACCES' } })).answer).toBe('ERROR');
  });
});

describe('gate E (receipts and checksums)', () => {
  const receipts = (patch: object): PromotionEvidence => {
    const e = evidence();
    return { ...e, receipts: { status: 'ok', value: { ...(e.receipts as { value: object }).value, ...patch } as never } };
  };
  it('PASS when every producing run is receipted and verified', () => {
    expect(gateReceipts(evidence())).toMatchObject({ gate: 'E', answer: 'PASS', reasons: ['2 producing runs receipted and verified; every digest matches the stored bytes'] });
  });
  it('ABSTAIN for a version with no task nodes, or no receipt evidence', () => {
    expect(gateReceipts(receipts({ nodes: [], receipted: [] })).answer).toBe('ABSTAIN');
    expect(gateReceipts(evidence({ receipts: { status: 'missing', message: 'no ledger' } })).answer).toBe('ABSTAIN');
  });
  it('DENY for a node without a receipt, an audit problem, a corrupt store object or an artifact no receipt produced', () => {
    const r = gateReceipts(receipts({ receipted: ['sites/a'], problems: ['seq 3: bad signature'], store_problems: ['data/x is corrupt in the content store'], untraced: ['data/processed/sites/y.geojson'] }));
    expect(r.answer).toBe('DENY');
    expect(r.reasons).toEqual([
      'sites/qa has no receipt in the audit ledger signed by a key pinned in kfm.trust.json',
      'seq 3: bad signature',
      'data/x is corrupt in the content store',
      `data/processed/sites/y.geojson is not an output of any verified receipt of sites@${DVID}`,
    ]);
  });
  it('ERROR when the ledger or the trust file cannot be read', () => {
    expect(gateReceipts(evidence({ receipts: { status: 'error', message: 'the audit ledger cannot be read' } })).answer).toBe('ERROR');
  });
});

describe('gate F (QA thresholds)', () => {
  const failed = (): PromotionEvidence => {
    const e = evidence();
    const qa = (e.qa as { value: { reports: { name: string; status: string; value: unknown }[] } }).value;
    const reports = qa.reports.map((r) => (r.name === 'duplicate_rate' ? { ...r, status: 'fail' as const, value: 0.25 } : r));
    return { ...e, version: { ...e.version, status: 'quarantined' }, qa: { status: 'ok', value: { ...(e.qa as { value: object }).value, status: 'fail', reports } as never } };
  };
  it('PASS when every check of the spec passed; when the policy permits unchecked specs; with a steward override and rationale', () => {
    expect(gateQa(evidence())).toMatchObject({ gate: 'F', answer: 'PASS', reasons: ['2 QA checks passed (geometry_valid >= 0.999, duplicate_rate <= 0.001)'] });
    const unchecked = withSpec((s) => (s.validation.checks = []), { qa: { status: 'missing', message: 'no report' } });
    const permissive = { status: 'ok' as const, policy: { ...POLICY, qa: { ...POLICY.qa, allow_unchecked: true } }, digest: SPEC_HASH };
    expect(gateQa({ ...unchecked, policy: permissive }).answer).toBe('PASS');
    const overridden = gateQa({ ...failed(), override: { principal: 'alice', role: 'steward', rationale: 'duplicates are known re-surveys' } });
    expect(overridden).toMatchObject({ answer: 'PASS', reasons: [expect.stringContaining('overridden by alice (steward): duplicates are known re-surveys')] });
  });
  it('ABSTAIN when the spec declares no checks and the policy does not permit that', () => {
    expect(gateQa(withSpec((s) => (s.validation.checks = []), { qa: { status: 'missing', message: 'no report' } })).answer).toBe('ABSTAIN');
  });
  it('DENY for a quarantined version, a failed or missing check or report, and an override by another role', () => {
    const f = gateQa(failed());
    expect(f).toEqual({
      gate: 'F',
      name: 'QA thresholds',
      answer: 'DENY',
      reasons: [`sites@${DVID} is quarantined: its QA failed`, 'check duplicate_rate failed: 0.25 (needs <= 0.001)'],
    });
    expect(gateQa(evidence({ qa: { status: 'missing', message: 'no data/processed/sites/x/qa/validation_report.json' } })).answer).toBe('DENY');
    const thresholdChanged = withSpec((s) => (s.validation.checks = [{ name: 'geometry_valid', threshold: '>= 0.5' }]));
    expect(gateQa(thresholdChanged).reasons).toEqual(['check geometry_valid ran with threshold >= 0.999, but the spec says >= 0.5']);
    const operator = gateQa({ ...failed(), override: { principal: 'bob', role: 'operator', rationale: 'ship it' } });
    expect(operator.answer).toBe('DENY');
    expect(operator.reasons.at(-1)).toBe('an override needs the steward role (given: operator)');
  });
  it('ERROR when the report cannot be read', () => {
    expect(gateQa(evidence({ qa: { status: 'error', message: 'validation_report.json is not JSON' } })).answer).toBe('ERROR');
  });
});

describe('gate G (spec-hash drift)', () => {
  it('PASS when the spec_hash computed now is the registry’s and the version’s', () => {
    expect(gateSpecHash(evidence())).toMatchObject({ gate: 'G', answer: 'PASS' });
  });
  it('ABSTAIN when the kfmfile no longer declares the dataset', () => {
    expect(gateSpecHash(evidence({ current_spec_hash: { status: 'missing', message: 'the kfmfile no longer declares sites' } })).answer).toBe('ABSTAIN');
  });
  it('DENY on drift', () => {
    const r = gateSpecHash(evidence({ current_spec_hash: { status: 'ok', value: OTHER_HASH } }));
    expect(r.answer).toBe('DENY');
    expect(r.reasons[0]).toBe(`the registry records spec_hash ${SPEC_HASH}, but the kfmfile gives ${OTHER_HASH} now: run kfm check`);
  });
  it('ERROR when the kfmfile cannot be loaded', () => {
    expect(gateSpecHash(evidence({ current_spec_hash: { status: 'error', message: 'kfmfile.ts:3:1: syntax error' } })).answer).toBe('ERROR');
  });
});

describe('every gate has all four answers', () => {
  it('is covered above: PASS, ABSTAIN, DENY and ERROR for each', () => {
    const seen: Record<GateId, Set<GateAnswer>> = { A: new Set(), B: new Set(), C: new Set(), D: new Set(), E: new Set(), F: new Set(), G: new Set() };
    const samples: PromotionEvidence[] = [
      evidence(),
      evidence({ policy: { status: 'missing' } }),
      evidence({ policy: { status: 'error', message: 'x' } }),
      evidence({ catalog: { status: 'missing', message: 'x' } }),
      evidence({ catalog: { status: 'error', message: 'x' } }),
      evidence({ catalog: { status: 'ok', value: { files: [], problems: [{ file: 'f', check: 'schema', message: 'm' }] } } }),
      evidence({ receipts: { status: 'missing', message: 'x' } }),
      evidence({ receipts: { status: 'error', message: 'x' } }),
      evidence({ qa: { status: 'error', message: 'x' } }),
      evidence({ qa: { status: 'missing', message: 'x' } }),
      withSpec((s) => (s.validation.checks = []), { qa: { status: 'missing', message: 'x' } }),
      withSpec((s) => (s.upstream.terms_snapshot = { license: 'unknown' })),
      withSpec((s) => (s.sensitivity.policy_label_intent = 'internal')),
      evidence({ receipts: { status: 'ok', value: { nodes: ['sites/a'], receipted: [], problems: [], store_problems: [], untraced: [] } } }),
      evidence({ current_spec_hash: { status: 'missing', message: 'x' } }),
      evidence({ current_spec_hash: { status: 'error', message: 'x' } }),
      evidence({ current_spec_hash: { status: 'ok', value: OTHER_HASH } }),
      { ...evidence(), version: { ...evidence().version, spec_hash: 'x' as Digest } },
      { ...evidence(), dvid: '2020.00000000' },
      { ...evidence(), dvid: 'Q3-2020.00000000', version: { ...evidence().version, slice: 'Q3-2020', dataset_version_id: 'Q3-2020.00000000' } },
    ];
    for (const e of samples) for (const g of runGates(e).gates) seen[g.gate].add(g.answer);
    for (const g of GATE_IDS) expect([g, [...seen[g]].sort()]).toEqual([g, ['ABSTAIN', 'DENY', 'ERROR', 'PASS']]);
  });
});
