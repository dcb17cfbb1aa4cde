import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { SLUG_RE } from '../../core/spec.js';
import type { TaskCode } from '../../core/spec.js';
import { sortedJson } from '../../core/sortedJson.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import type { FailedCheck } from '../../core/failedCheck.js';
import { schemaValidator } from '../schemaValidator.js';

/** The registry format this kfm writes (`kfm_registry_version`); v1 files are read and upgraded. */
export const REGISTRY_VERSION = 'v2';
export type RegistryFormat = 'v1' | typeof REGISTRY_VERSION;

/** A version as the registry lists it: created by a build as a `candidate` (or `quarantined`, when its QA failed); only its status changes later. */
export interface RegistryVersion {
  dataset_version_id: string;
  slice: string;
  spec_hash: Digest;
  inputs_digest: Digest;
  mode: 'new' | 'reprocess' | 'backfill';
  status: DatasetVersionStatus;
  /**
   * Written by kfm before 0.x: a wall-clock time in a committed file made every clone's first
   * build rewrite it. No longer written (a version's time is its first ledger entry's); kept
   * when an older file has it.
   */
  created_at?: string;
  /**
   * The ledger entry of the last receipt the version's first receipted build recorded (set
   * once, engine/receipts/anchorVersionReceipts.ts): verification fails if the ledger loses it.
   */
  receipts_anchor?: ReceiptsAnchor;
  /** A `quarantined` version: the QA checks it failed (set when the build records it). */
  failed_checks?: FailedCheck[];
}

/** A ledger entry a committed file pins: its seq and entry_hash. */
export interface ReceiptsAnchor {
  seq: number;
  entry_hash: Digest;
}

/** `registry/<slug>.json` (schemas/registry.schema.json). */
export interface DatasetRegistry {
  kfm_registry_version: typeof REGISTRY_VERSION;
  dataset_slug: string;
  title: string;
  policy_label: PolicyLabel;
  spec_hash: Digest;
  spec_document: Json;
  task_code: TaskCode;
  versions: RegistryVersion[];
  /** The published version readers use: moved only by promotion; null until the first. */
  latest_version_id: string | null;
}

/** A registry as its file holds it, with the format that file was in (before the upgrade to v2). */
export interface StoredRegistry {
  registry: DatasetRegistry;
  format: RegistryFormat;
}

const validate = schemaValidator('registry');

/** `<root>/registry`: committed with the project. */
export function registryDir(root: string): string {
  return join(root, 'registry');
}

/** `registry/<slug>.json`, relative to the project root (as messages show it). */
export function registryFile(slug: string): string {
  return `registry/${slug}.json`;
}

/**
 * Reads and validates a dataset's registry file, upgraded to v2 (`upgradeRegistry`);
 * undefined when there is none. A file that is not JSON or fails the schema is an error
 * naming the file (exit 2): kfm never works from a registry it cannot trust.
 */
export function readRegistry(root: string, slug: string): DatasetRegistry | undefined {
  return readStoredRegistry(root, slug)?.registry;
}

/** `readRegistry`, also saying which format the file is in (`kfm check --update` rewrites a v1 file). */
export function readStoredRegistry(root: string, slug: string): StoredRegistry | undefined {
  const path = join(root, registryFile(slug));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KfmError('kfmfile', `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: registryFile(slug) });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // One line: JSON.parse quotes the text it choked on, newlines and all.
    const why = (e as Error).message.replace(/\s+/g, ' ');
    throw new KfmError('kfmfile', `not JSON: ${why} (fix it, or restore it with git checkout -- ${registryFile(slug)})`, { file: registryFile(slug) });
  }
  const problems = validate(value);
  if (problems.length > 0) {
    throw new KfmError('kfmfile', `does not match schemas/registry.schema.json: ${problems.join('; ')}`, { file: registryFile(slug) });
  }
  const stored = value as StoredFile;
  if (stored.dataset_slug !== slug) {
    throw new KfmError('kfmfile', `names dataset "${stored.dataset_slug}", not "${slug}"`, { file: registryFile(slug) });
  }
  return { registry: upgradeRegistry(stored), format: stored.kfm_registry_version };
}

/** What a valid registry file holds: v2, or v1 (whose versions are all `built`). */
type StoredFile = DatasetRegistry | (Omit<DatasetRegistry, 'kfm_registry_version' | 'versions'> & V1Fields);
interface V1Fields {
  kfm_registry_version: 'v1';
  versions: (Omit<RegistryVersion, 'status'> & { status: 'built' })[];
}

/**
 * A registry in format v2. A v1 registry moved latest_version_id on every build, so the
 * version it names is the one readers used: it becomes `published`; every other `built`
 * version becomes a `candidate`. A v2 registry comes back as it is.
 */
export function upgradeRegistry(stored: StoredFile): DatasetRegistry {
  if (stored.kfm_registry_version === REGISTRY_VERSION) return stored;
  return {
    ...stored,
    kfm_registry_version: REGISTRY_VERSION,
    versions: stored.versions.map((v) => ({ ...v, status: v.dataset_version_id === stored.latest_version_id ? 'published' : 'candidate' })),
  };
}

/**
 * Writes a registry file: validated first, then sorted keys, 2-space indent and a trailing
 * newline (diff-friendly), through a temp file renamed into place.
 */
export function writeRegistry(root: string, registry: DatasetRegistry): void {
  const problems = validate(registry);
  if (problems.length > 0) {
    throw new KfmError('store', `internal: the registry of ${registry.dataset_slug} would not match its schema: ${problems.join('; ')}`);
  }
  const dir = registryDir(root);
  mkdirSync(dir, { recursive: true });
  const path = join(root, registryFile(registry.dataset_slug));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, sortedJson(registry as unknown as Json));
  renameSync(tmp, path);
}

/** The slugs that have a registry file, sorted. */
export function registeredSlugs(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(registryDir(root));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => n.endsWith('.json') && SLUG_RE.test(n.slice(0, -'.json'.length)))
    .map((n) => n.slice(0, -'.json'.length))
    .sort();
}
