import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { DatasetSpec } from '../../core/spec.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { DatasetRegistry, RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { ReceiptOutput } from '../../store/receipts/runReceipt.js';
import { pinnedKeys, readTrustFile } from '../../store/receipts/trustFile.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { runCheck } from '../../engine/versions/runCheck.js';
import { catalogFindings } from './catalogFindings.js';
import { generalizationPlan } from './generalizationPlan.js';
import { needsGeneralization } from './gateSensitivity.js';
import type { Evidence, PromotionEvidence, PublishedGeojson, QaOverride } from './promotionEvidence.js';
import { readPolicy } from './promotionPolicy.js';
import { qaFindings } from './qaFindings.js';
import { receiptFindings } from './receiptFindings.js';
import { versionApprovals } from './versionApprovals.js';

export interface GatherArgs {
  paths: ProjectPaths;
  registry: DatasetRegistry;
  version: RegistryVersion;
  /** The version's state record's spec document (null when the state has none). */
  specDocument: Json | null;
  /** What promotion would publish (stages/promotion/versionArtifacts.ts). */
  artifacts: ReceiptOutput[];
  store: ContentStore;
  override: QaOverride | null;
}

/**
 * The I/O step before the gates: reads everything gates A–G judge into one
 * PromotionEvidence record. Never throws for a piece of evidence it cannot read: that
 * piece is `error` (its gate answers ERROR) and the rest is still gathered.
 */
export async function gatherEvidence(a: GatherArgs): Promise<PromotionEvidence> {
  const { paths, registry, version } = a;
  const slug = registry.dataset_slug;
  const dvid = version.dataset_version_id;
  const document = a.specDocument ?? (registry.spec_hash === version.spec_hash ? registry.spec_document : null);
  const spec = specOf(document);
  const policy = readPolicy(paths.root);
  const ledger = await attempt(async () => ({ rows: await readLedgerEntries(paths.kfmDir), keys: pinnedKeys(readTrustFile(paths.root)) }));
  const label = spec.status === 'ok' ? policyLabelOf(spec.value) : registry.policy_label;
  const wantGeometry = needsGeneralization(label, policy.status === 'ok' ? policy.policy : undefined);
  return {
    slug,
    dvid,
    version,
    registry: { spec_hash: registry.spec_hash, policy_label: registry.policy_label },
    spec,
    policy,
    generalization: generalizationPlan(paths.dataDir, slug, dvid),
    published_geojson: wantGeometry ? publishedGeojson(paths.dataDir, a.artifacts) : { status: 'ok', value: [] },
    approvals: ledgerPart(ledger, (l) => versionApprovals(l.rows, l.keys, slug, dvid, version.spec_hash)),
    catalog: await catalogFindings(paths, slug, dvid),
    receipts: await receipts(a, ledger, nodesOf(document, slug)),
    qa: qaFindings(paths.dataDir, slug, dvid, version.status),
    override: a.override,
    current_spec_hash: await currentSpecHash(paths, slug),
  };
}

type LedgerView = Evidence<{ rows: LedgerEntry[]; keys: TrustedKeys }>;

async function attempt<T>(f: () => Promise<T>): Promise<Evidence<T>> {
  try {
    return { status: 'ok', value: await f() };
  } catch (e) {
    if (e instanceof KfmError) return { status: 'error', message: e.message };
    throw e;
  }
}

function ledgerPart<T>(ledger: LedgerView, f: (l: { rows: LedgerEntry[]; keys: TrustedKeys }) => T): Evidence<T> {
  return ledger.status === 'ok' ? { status: 'ok', value: f(ledger.value) } : { status: 'error', message: `the audit ledger or kfm.trust.json cannot be read: ${ledger.message}` };
}

async function receipts(a: GatherArgs, ledger: LedgerView, nodes: string[]): Promise<PromotionEvidence['receipts']> {
  if (ledger.status !== 'ok') return { status: 'error', message: `the audit ledger or kfm.trust.json cannot be read: ${ledger.message}` };
  const slug = a.registry.dataset_slug;
  const dvid = a.version.dataset_version_id;
  return attempt(() => receiptFindings({ paths: a.paths, rows: ledger.value.rows, keys: ledger.value.keys, store: a.store, slug, dvid, nodes, artifacts: a.artifacts }));
}

function specOf(document: Json | null): Evidence<DatasetSpec> {
  if (document === null) return { status: 'missing', message: 'neither the state nor the registry holds the spec this version was built from' };
  const spec = typeof document === 'object' && !Array.isArray(document) ? (document['spec'] as unknown) : undefined;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return { status: 'error', message: 'the recorded spec document has no spec object' };
  return { status: 'ok', value: spec as DatasetSpec };
}

/** The version's task nodes, `<slug>/<task>`, from its spec-hash document's task list. */
function nodesOf(document: Json | null, slug: string): string[] {
  const tasks = typeof document === 'object' && document !== null && !Array.isArray(document) ? document['tasks'] : undefined;
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((t) => (typeof t === 'object' && t !== null && !Array.isArray(t) && typeof t['name'] === 'string' ? [`${slug}/${t['name']}`] : []));
}

function publishedGeojson(dataDir: string, artifacts: ReceiptOutput[]): Evidence<PublishedGeojson[]> {
  const out: PublishedGeojson[] = [];
  for (const o of artifacts) {
    if (o.media_type !== 'application/geo+json' && !o.path.endsWith('.geojson')) continue;
    try {
      out.push({ path: o.path, geojson: JSON.parse(readFileSync(join(dataDir, o.path), 'utf8')) as unknown });
    } catch (e) {
      return { status: 'error', message: `cannot read data/${o.path} as GeoJSON: ${(e as Error).message}` };
    }
  }
  return { status: 'ok', value: out };
}

/** Gate G's evidence: the dataset's spec_hash from the kfmfile and task code now (kfm check). */
async function currentSpecHash(paths: ProjectPaths, slug: string): Promise<Evidence<Digest>> {
  try {
    const found = (await runCheck({ cwd: paths.root, file: paths.kfmfile })).find((c) => c.dataset_slug === slug);
    if (!found) return { status: 'missing', message: `the kfmfile no longer declares ${slug}` };
    return { status: 'ok', value: found.spec_hash };
  } catch (e) {
    if (e instanceof KfmError) return { status: 'error', message: `the kfmfile cannot be loaded: ${e.display}` };
    throw e;
  }
}
