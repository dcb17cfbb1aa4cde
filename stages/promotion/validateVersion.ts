import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../../core/error.js';
import { sha256 } from '../../core/digest.js';
import type { ContentStore } from '../../store/contentStore.js';
import { readRegistry, registryFile, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import { LEDGER_KIND_RUN_RECEIPT } from '../../store/ledger/ledger.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import { openProjectStore, openVersionStore } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { claimedReceipt, readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import type { GateId, GateResult } from './gate.js';
import { gatherEvidence } from './gatherEvidence.js';
import type { PromotionEvidence } from './promotionEvidence.js';
import { PROMOTION_MANIFEST, validateManifest, type PromotionManifest } from './promotionManifest.js';
import { runGates } from './runGates.js';
import { publishedArtifacts } from './versionArtifacts.js';

/** The format of `kfm validate --json` (schemas/validate-report.schema.json). */
export const VALIDATE_REPORT_VERSION = 'v1';

export type ValidationItemName = 'schemas' | 'cross-links' | 'policy' | 'spec-hash-drift' | 'receipts-and-digests' | 'ledger-entry' | 'lineage';

export interface ValidationItem {
  name: ValidationItemName;
  status: 'PASS' | 'FAIL';
  reasons: string[];
}

export interface ValidateReport {
  kfm_validate_report_version: typeof VALIDATE_REPORT_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  /** The version's registry status. */
  version_status: string;
  status: 'pass' | 'fail';
  items: ValidationItem[];
}

/**
 * `kfm validate <slug>@<dvid>`: the runbook's post-run "Required validations" as one report,
 * read-only: schemas (registry entry, catalogs, the promotion manifest when there is one),
 * cross-links (every catalog link and digest resolves), policy (gates B and C: licence
 * allow-list and attribution, default-deny labels, generalization, approvals), spec-hash
 * drift (gates A and G), receipts and digests (gate E, and the manifest's digests against
 * the store), the ledger entry (the version's run receipts, and for a published version its
 * granted promote receipt), and lineage (every published artifact is an output of a
 * receipted run). An unknown dataset or version is a usage error.
 */
export async function validateVersion(paths: ProjectPaths, targetText: string): Promise<ValidateReport> {
  const target = parseVersionTarget(targetText);
  if (target.datasetVersionId === undefined) throw new KfmError('usage', `kfm validate needs <dataset>@<dataset_version_id>, not "${targetText}"`);
  const { slug, datasetVersionId: dvid } = target;
  const registry = readRegistry(paths.root, slug);
  if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)})`);
  const version = registry.versions.find((v) => v.dataset_version_id === dvid);
  if (!version) throw new KfmError('usage', `${registryFile(slug)} lists no version ${dvid} of ${slug}`);
  const store = openProjectStore(paths);
  const artifacts = await publishedArtifacts(paths.dataDir, store, slug, version);
  const versions = openVersionStore(paths);
  let specDocument;
  try {
    specDocument = (await versions.version(slug, dvid))?.specDocument ?? null;
  } finally {
    await versions.close();
  }
  const evidence = await gatherEvidence({ paths, registry, version, specDocument, artifacts, store, override: null });
  const gates = new Map(runGates(evidence).gates.map((g) => [g.gate, g]));
  const manifest = await manifestFindings(paths, store, slug, dvid);
  const items: ValidationItem[] = [
    schemasItem(evidence, manifest.problems.schema),
    crossLinksItem(evidence),
    gatesItem('policy', gates, ['B', 'C']),
    gatesItem('spec-hash-drift', gates, ['A', 'G']),
    withProblems(gatesItem('receipts-and-digests', gates, ['E']), manifest.problems.digests),
    await ledgerItem(paths, registry, dvid),
    lineageItem(evidence),
  ];
  return {
    kfm_validate_report_version: VALIDATE_REPORT_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    version_status: version.status,
    status: items.every((i) => i.status === 'PASS') ? 'pass' : 'fail',
    items,
  };
}

function item(name: ValidationItemName, failures: string[], passes: string[]): ValidationItem {
  return failures.length > 0 ? { name, status: 'FAIL', reasons: failures } : { name, status: 'PASS', reasons: passes };
}

function withProblems(i: ValidationItem, problems: string[]): ValidationItem {
  if (problems.length === 0) return i;
  return { name: i.name, status: 'FAIL', reasons: [...(i.status === 'FAIL' ? i.reasons : []), ...problems] };
}

function schemasItem(e: PromotionEvidence, manifestProblems: string[]): ValidationItem {
  const failures = [...manifestProblems];
  if (e.catalog.status !== 'ok') failures.push(`catalogs: ${e.catalog.message}`);
  else for (const p of e.catalog.value.problems) if (p.check === 'schema' || p.check === 'shacl' || p.check === 'missing') failures.push(`${p.file}: ${p.check}: ${p.message}`);
  if (e.policy.status === 'error') failures.push(e.policy.message);
  if (e.qa.status === 'error') failures.push(e.qa.message);
  return item('schemas', failures, [`registry/${e.slug}.json matches its schema; ${e.catalog.status === 'ok' ? e.catalog.value.files.length : 0} catalog files validate (JSON Schema, SHACL)`]);
}

function crossLinksItem(e: PromotionEvidence): ValidationItem {
  if (e.catalog.status !== 'ok') return item('cross-links', [`catalogs: ${e.catalog.message}`], []);
  const failures = e.catalog.value.problems.filter((p) => p.check === 'link' || p.check === 'digest').map((p) => `${p.file}: ${p.check}: ${p.message}`);
  return item('cross-links', failures, ['every cross-link and EvidenceRef of DCAT, STAC and PROV resolves, and every digest they name matches']);
}

function gatesItem(name: ValidationItemName, gates: Map<GateId, GateResult>, ids: GateId[]): ValidationItem {
  const chosen = ids.map((id) => gates.get(id)!);
  const failures = chosen.filter((g) => g.answer !== 'PASS').flatMap((g) => g.reasons.map((r) => `gate ${g.gate} ${g.answer}: ${r}`));
  return item(name, failures, chosen.flatMap((g) => g.reasons.map((r) => `gate ${g.gate}: ${r}`)));
}

function lineageItem(e: PromotionEvidence): ValidationItem {
  if (e.receipts.status !== 'ok') return item('lineage', [e.receipts.message], []);
  const untraced = e.receipts.value.untraced.map((p) => `${p} is not an output of any verified receipt of ${e.slug}@${e.dvid}`);
  return item('lineage', untraced, ['every published artifact is an output of a receipted, verified run of this version']);
}

async function ledgerItem(paths: ProjectPaths, registry: DatasetRegistry, dvid: string): Promise<ValidationItem> {
  const slug = registry.dataset_slug;
  let rows;
  try {
    rows = (await readLedgerEntries(paths.kfmDir, slug)).filter((r) => r.kind === LEDGER_KIND_RUN_RECEIPT && r.datasetVersionId === dvid);
  } catch (e) {
    if (e instanceof KfmError) return item('ledger-entry', [`the audit ledger cannot be read: ${e.message}`], []);
    throw e;
  }
  const receipts = rows.map((r) => claimedReceipt(r));
  const failures: string[] = [];
  const runs = receipts.filter((r) => r?.operation !== 'promote').length;
  if (runs === 0) failures.push(`the audit ledger holds no run receipt of ${slug}@${dvid}`);
  const granted = receipts.filter((r) => r?.operation === 'promote' && r.validation?.status !== 'fail').length;
  const published = registry.versions.find((v) => v.dataset_version_id === dvid)?.status === 'published';
  if (published && granted === 0) failures.push(`${slug}@${dvid} is published, but the audit ledger holds no granted promote receipt of it`);
  return item('ledger-entry', failures, [`the audit ledger holds ${runs} run receipt${runs === 1 ? '' : 's'} of ${slug}@${dvid}${published ? ` and ${granted} granted promote receipt${granted === 1 ? '' : 's'}` : ''}`]);
}

/** The promotion manifest, when there is one: its schema, and its digests against the store and the files. */
async function manifestFindings(paths: ProjectPaths, store: ContentStore, slug: string, dvid: string): Promise<{ problems: { schema: string[]; digests: string[] } }> {
  const rel = `catalog/${slug}/${dvid}/${PROMOTION_MANIFEST}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(paths.dataDir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { problems: { schema: [], digests: [] } };
    return { problems: { schema: [`cannot read data/${rel}: ${(e as Error).message}`], digests: [] } };
  }
  let doc: PromotionManifest;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as PromotionManifest;
  } catch (e) {
    return { problems: { schema: [`data/${rel} is not JSON: ${(e as Error).message}`], digests: [] } };
  }
  const schema = validateManifest(doc).map((p) => `data/${rel} ${p}`);
  const digests: string[] = [];
  if (!(await store.has(sha256(bytes)))) digests.push(`data/${rel} (${sha256(bytes)}) is not the manifest the promote receipt stored`);
  if (schema.length === 0) {
    for (const f of [...doc.artifacts, ...doc.catalogs]) {
      let now: string | null = null;
      try {
        now = sha256(readFileSync(join(paths.dataDir, f.path)));
      } catch {
        now = null;
      }
      if (now !== f.digest) digests.push(`data/${f.path} ${now === null ? 'is missing' : `holds ${now}`}, but the promotion manifest lists ${f.digest}`);
    }
  }
  return { problems: { schema, digests } };
}
