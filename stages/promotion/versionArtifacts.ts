import { readFileSync } from 'node:fs';
import { versionFilesZone } from '../catalog/versionFilesZone.js';
import { join } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import type { DatasetRegistry, RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { artifactIdOf, type ReceiptOutput } from '../../store/receipts/runReceipt.js';
import { isDigest, sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { policyLabelOf, type PolicyLabel } from '../../core/policyLabel.js';
import type { DatasetSpec, Zone } from '../../core/spec.js';
import { CHECKSUMS_VERSION } from '../../engine/versions/nameDatasetVersion.js';

/**
 * What promoting a version publishes: its processed files, as its
 * `processed/<slug>/<dvid>/checksums.json` lists them, and that file, each checked to be in
 * the content store (a receipt names only stored bytes). A quarantined version's processed
 * files are under `quarantine/<slug>/<dvid>/` (only a QA override publishes them, from there:
 * once promoted, a version with no `processed/` folder and a `quarantine/` one is read from
 * `quarantine/`). A version whose checksums.json is missing is not built in this checkout: a usage error naming it.
 */
export async function publishedArtifacts(dataDir: string, store: Pick<ContentStore, 'has'>, slug: string, version: RegistryVersion): Promise<ReceiptOutput[]> {
  const dvid = version.dataset_version_id;
  const zone = versionZone(dataDir, slug, version);
  const rel = `${zone}/${slug}/${dvid}/checksums.json`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dataDir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KfmError('store', `cannot read data/${rel}: ${(e as Error).message}`);
    throw new KfmError('usage', `${slug}@${dvid} is not built in this checkout (no data/${rel}): build it, then promote it`);
  }
  const doc = parseChecksums(bytes, rel, dvid, version.spec_hash);
  const outputs: ReceiptOutput[] = doc.map((f) => output(zone, `${zone}/${slug}/${dvid}/${f.path}`, f.digest, f.media_type));
  outputs.push(output(zone, rel, sha256(bytes), 'application/json'));
  for (const o of outputs) {
    if (!(await store.has(o.digest))) throw new KfmError('store', `data/${o.path} (${o.digest}) is not in the content store: rebuild ${slug}@${dvid} before promoting it`);
  }
  return outputs;
}

/** Where the version's files are (stages/catalog/versionFilesZone.ts). */
export function versionZone(dataDir: string, slug: string, version: RegistryVersion): Zone {
  return versionFilesZone(dataDir, slug, version.dataset_version_id, version.status);
}

function output(zone: Zone, path: string, digest: Digest, mediaType: string): ReceiptOutput {
  return { artifact_id: artifactIdOf(digest), zone, path, digest, media_type: mediaType };
}

type ChecksumsFile = { path: string; digest: Digest; media_type: string };

function parseChecksums(bytes: Buffer, rel: string, dvid: string, specHash: Digest): ChecksumsFile[] {
  let doc: { kfm_checksums_version?: unknown; dataset_version_id?: unknown; spec_hash?: unknown; files?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch (e) {
    throw new KfmError('store', `data/${rel} is not JSON: ${(e as Error).message}`);
  }
  const files = Array.isArray(doc.files) ? (doc.files as Partial<ChecksumsFile>[]) : undefined;
  const ok =
    doc.kfm_checksums_version === CHECKSUMS_VERSION &&
    doc.dataset_version_id === dvid &&
    doc.spec_hash === specHash &&
    files?.every((f) => typeof f.path === 'string' && isDigest(f.digest) && typeof f.media_type === 'string');
  if (!ok) throw new KfmError('store', `data/${rel} is not the ${CHECKSUMS_VERSION} checksums of ${dvid} with spec_hash ${specHash}`);
  return files as ChecksumsFile[];
}

/**
 * The policy label and obligations a promotion records: from the spec the version was built
 * from (its state record's spec document, or the registry's when the spec_hash is the same),
 * else the registry's current label with no obligations.
 */
export function versionPolicy(registry: DatasetRegistry, version: RegistryVersion, specDocument: Json | null): { label: PolicyLabel; obligations: string[] } {
  const document = specDocument ?? (registry.spec_hash === version.spec_hash ? registry.spec_document : null);
  const spec = typeof document === 'object' && document !== null && !Array.isArray(document) ? (document.spec as DatasetSpec | undefined) : undefined;
  if (!spec || typeof spec !== 'object') return { label: registry.policy_label, obligations: [] };
  const obligations = (spec.sensitivity?.obligations ?? []).filter((o): o is string => typeof o === 'string' && o !== '');
  return { label: policyLabelOf(spec), obligations };
}
