import { canonicalDigest } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { ContentStore } from '../../store/contentStore.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import type { ProjectedVersion } from './projectedVersion.js';
import type { Drift } from './projectionTarget.js';
import { filesFingerprint, readProjectionRecord, writeProjectionRecord, type ProjectionRecord } from './projectionRecord.js';
import { openTarget, targetFiles, type ProjectionSettings, type TargetKind } from './projectionTargets.js';
import { PROJECTION_VERSION } from './projectionVersion.js';
import { catalogFacts, type CatalogFacts } from './readCatalogVersion.js';
import { publishedVersion, readProjectedVersion } from './readProjectedVersion.js';
import { versionSpec } from './versionSpec.js';

/** What one target did for a version. */
export interface TargetOutcome {
  target: TargetKind;
  /**
   * `cached`: its key and the target's files are as kfm left them with this version current
   * (nothing read); `unchanged`: checked in full and already right; `loaded`: (re)written.
   */
  status: 'cached' | 'unchanged' | 'loaded';
  key: Digest;
  previous_version_id: string | null;
  current_version_id: string | null;
  /** Features the target holds for the version (null when cached: not counted). */
  feature_count: number | null;
  /** What the check after the load compared (empty when cached). */
  checked: string[];
}

export interface SyncArgs {
  settings: ProjectionSettings;
  store: ContentStore;
  slug: string;
  dvid: string;
  kinds: readonly TargetKind[];
  /** Make the version the dataset's current one in each target (default true); false only loads it (rollback's first step). */
  activate?: boolean;
  /** Check (and reload what differs) in full even where the record says current (`kfm rebuild --force`). */
  force?: boolean;
  /** The version's catalog facts, when the caller read them already. */
  facts?: CatalogFacts;
}

/** What a rebuild compares after a load, per target: the version's record, counts and extents as the catalog gives them. */
export const REBUILD_CHECKS: Record<TargetKind, readonly string[]> = {
  sqlite: ['record', 'feature_count', 'artifact_feature_count', 'search_count', 'spatial_index_count', 'extent', 'current'],
  postgis: ['record', 'feature_count', 'artifact_feature_count', 'search_count', 'spatial_index_count', 'extent', 'current'],
  tiles: ['manifest', 'archive_digest', 'archive_version', 'archive_feature_count', 'current'],
};

/**
 * Loads a published version into each target from its catalog and the store (runbook
 * procedure D, steps 1–4), then checks counts and extents in the target against the
 * catalog. A target whose record says it already holds the version, current, with the same
 * key, and whose files are as kfm left them, is `cached` without reading the version. A
 * target still differing after its load is a KfmError `check` naming each drift.
 */
export async function syncVersion(a: SyncArgs): Promise<{ outcomes: TargetOutcome[]; facts: CatalogFacts; version: ProjectedVersion | null }> {
  const { settings, slug, dvid } = a;
  const activate = a.activate ?? true;
  publishedVersion(settings.paths, slug, dvid);
  const facts = a.facts ?? catalogFacts(settings.paths.dataDir, slug, dvid);
  const zoom = await versionZoom(settings, slug, dvid);
  let version: ProjectedVersion | null = null;
  const outcomes: TargetOutcome[] = [];
  for (const kind of a.kinds) {
    const key = projectionKey(kind, facts, zoom);
    const record = openRecord(kind, settings);
    const held = record.datasets[slug];
    if (activate && !a.force && record.fingerprint !== null && held?.dataset_version_id === dvid && held.key === key) {
      outcomes.push({ target: kind, status: 'cached', key, previous_version_id: dvid, current_version_id: dvid, feature_count: null, checked: [] });
      continue;
    }
    version ??= await readProjectedVersion(settings.paths, a.store, slug, dvid);
    const target = openTarget(kind, settings, a.store, zoom);
    let drifts: Drift[];
    let outcome: TargetOutcome;
    try {
      const loaded = await target.load(version, { activate });
      drifts = (await target.check(version, { expectCurrent: activate })).drifts;
      outcome = {
        target: kind,
        status: loaded.status,
        key,
        previous_version_id: loaded.previous_version_id,
        current_version_id: loaded.current_version_id,
        feature_count: loaded.feature_count,
        checked: REBUILD_CHECKS[kind].filter((c) => activate || c !== 'current'),
      };
    } finally {
      await target.close();
    }
    if (drifts.length > 0) throw new KfmError('check', `${kind}: ${slug}@${dvid} still differs from its catalog after loading it: ${drifts.map((d) => d.message).join('; ')}`);
    if (activate) record.datasets[slug] = { dataset_version_id: dvid, key };
    closeRecord(kind, settings, record);
    outcomes.push(outcome);
  }
  return { outcomes, facts, version };
}

/**
 * Makes an already loaded version current in one target (a rollback's swap: one UPDATE in
 * a transaction, or archives renamed into place), and records it.
 */
export async function swapVersion(settings: ProjectionSettings, store: ContentStore, kind: TargetKind, slug: string, dvid: string): Promise<{ from: string | null; to: string }> {
  const facts = catalogFacts(settings.paths.dataDir, slug, dvid);
  const zoom = await versionZoom(settings, slug, dvid);
  const record = openRecord(kind, settings);
  const target = openTarget(kind, settings, store, zoom);
  let from: string | null;
  try {
    from = (await target.swap(slug, dvid)).from;
  } finally {
    await target.close();
  }
  record.datasets[slug] = { dataset_version_id: dvid, key: projectionKey(kind, facts, zoom) };
  closeRecord(kind, settings, record);
  return { from, to: dvid };
}

/** What a target's load of a version is determined by: the projection format, the target, its zoom (tiles) and the catalog's bytes. */
export function projectionKey(kind: TargetKind, facts: CatalogFacts, zoom: { minzoom: number; maxzoom: number }): Digest {
  return canonicalDigest({
    kfm_projection_version: PROJECTION_VERSION,
    target: kind,
    ...(kind === 'tiles' ? { zoom } : {}),
    catalog: facts.sources.map((s) => [s.path, sha256(s.text)]),
  });
}

/** A target's record, emptied of every dataset when its files changed behind kfm's back (each is then checked in full). */
function openRecord(kind: TargetKind, settings: ProjectionSettings): ProjectionRecord {
  const record = readProjectionRecord(settings.paths.kfmDir, kind);
  const files = targetFiles(kind, settings);
  const now = files ? filesFingerprint(files) : null;
  if (now === null || record.fingerprint !== now) return { ...record, fingerprint: null, datasets: {} };
  return record;
}

function closeRecord(kind: TargetKind, settings: ProjectionSettings, record: ProjectionRecord): void {
  const files = targetFiles(kind, settings);
  writeProjectionRecord(settings.paths.kfmDir, { ...record, fingerprint: files ? filesFingerprint(files) : null });
}

/** The version's zoom range: its spec's `tiles: { minzoom, maxzoom }`, else the kfmfile's (default 0–10). */
export async function versionZoom(settings: ProjectionSettings, slug: string, dvid: string): Promise<{ minzoom: number; maxzoom: number }> {
  const registry = readRegistry(settings.paths.root, slug);
  const version = registry?.versions.find((v) => v.dataset_version_id === dvid);
  const spec = registry && version ? await versionSpec(settings.paths, registry, version) : undefined;
  const tiles = spec?.tiles as { minzoom?: unknown; maxzoom?: unknown } | undefined;
  if (tiles === undefined) return settings.zoom;
  const z = { minzoom: tiles.minzoom ?? settings.zoom.minzoom, maxzoom: tiles.maxzoom ?? settings.zoom.maxzoom };
  const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 24;
  if (typeof tiles !== 'object' || tiles === null || !ok(z.minzoom) || !ok(z.maxzoom) || (z.minzoom as number) > (z.maxzoom as number)) {
    throw new KfmError('usage', `the spec of ${slug}@${dvid} has tiles ${JSON.stringify(tiles)}: it needs integers 0 ≤ minzoom ≤ maxzoom ≤ 24`);
  }
  return z as { minzoom: number; maxzoom: number };
}
