import type { Digest } from '../../core/digest.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { DatasetSpec } from '../../core/spec.js';
import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { ApprovalRecord } from '../../store/receipts/approvalRecord.js';
import type { PolicyEvidence } from './promotionPolicy.js';

/**
 * One piece of evidence as the I/O step found it: read (`ok`), not there (`missing`, with
 * what is missing), or there but unreadable (`error`, with why). Gates turn `missing` into
 * ABSTAIN or DENY (their rule says which) and `error` into ERROR.
 */
export type Evidence<T> = { status: 'ok'; value: T } | { status: 'missing'; message: string } | { status: 'error'; message: string };

/** What checkCatalog (stages/catalog/checkCatalog.ts) found, as gate D reads it. */
export interface CatalogFindings {
  files: { path: string; digest: Digest }[];
  problems: { file: string; check: 'missing' | 'schema' | 'shacl' | 'link' | 'digest'; message: string }[];
}

/** The receipts of the runs that produced the version, as gate E reads them. */
export interface ReceiptFindings {
  /** The version's task nodes (`<slug>/<task>`), from the spec it was built from. */
  nodes: string[];
  /** The nodes with at least one receipt in the ledger whose signature verifies against kfm.trust.json. */
  receipted: string[];
  /** What `kfm receipts verify <slug>@<dvid>` reports: chain, signatures, schemas, digests against the store, data tree. */
  problems: string[];
  /** Published artifacts missing or corrupt in the content store. */
  store_problems: string[];
  /** Published artifacts (data/ paths) that no verified receipt of the version names as an output: no lineage. */
  untraced: string[];
}

/** The version's QA report (qa/validation_report.json under processed/ or quarantine/). */
export interface QaFindings {
  /** Relative to the project root. */
  path: string;
  digest: Digest;
  status: 'pass' | 'fail';
  reports: { name: string; status: 'pass' | 'fail'; value?: unknown; threshold?: string | number }[];
}

/** `kfm promote --override --rationale "…" --role <role>`: who overrides a QA failure, and why. */
export interface QaOverride {
  principal: string;
  role: string;
  rationale: string;
}

/** A GeoJSON artifact promotion would publish, parsed (gate C checks its geometry). */
export interface PublishedGeojson {
  /** Relative to data/. */
  path: string;
  geojson: unknown;
}

/**
 * Everything the gates A–G judge, gathered by one I/O step (gatherEvidence.ts) so that the
 * gates themselves are pure functions of it.
 */
export interface PromotionEvidence {
  slug: string;
  dvid: string;
  /** The registry's entry for the version. */
  version: RegistryVersion;
  /** The registry's current spec_hash and label (the spec recorded by the last build or kfm check --update). */
  registry: { spec_hash: Digest; policy_label: PolicyLabel };
  /** The spec the version was built from. */
  spec: Evidence<DatasetSpec>;
  policy: PolicyEvidence;
  /** Gate C: `kfm:generalization_method` of the activities in the version's prov/bundle.jsonld. */
  generalization: Evidence<string[]>;
  /** Gate C: the GeoJSON files among the artifacts promotion would publish. */
  published_geojson: Evidence<PublishedGeojson[]>;
  /** Gates C and F: approvals in the ledger for this version, each signature verified against kfm.trust.json. */
  approvals: Evidence<ApprovalRecord[]>;
  /** Gate D. */
  catalog: Evidence<CatalogFindings>;
  /** Gate E. */
  receipts: Evidence<ReceiptFindings>;
  /** Gate F. */
  qa: Evidence<QaFindings>;
  override: QaOverride | null;
  /** Gate G: the dataset's spec_hash computed now from the kfmfile and task code. */
  current_spec_hash: Evidence<Digest>;
}
