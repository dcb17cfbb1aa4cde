import { canonicalDigest } from '../../core/canonicalJson.js';
import { projectPaths } from '../../engine/load/projectPaths.js';
import type { VersionStage, VersionStageArgs, VersionStageOutcome } from '../../engine/versions/versionStage.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';

/** The projection stage's name: reported as `<slug>/kfm:project`. */
export const PROJECT_STAGE = 'kfm:project';

/**
 * The projections as a keyed stage of `kfm build` (engine/versions/versionStage.ts), when
 * the kfmfile declares `projections.targets`: after a dataset's version is recorded and
 * catalogued, the dataset's **latest published version** (latest_version_id: a build never
 * moves it, `kfm promote` and `kfm rollback` do) is kept current in each declared target.
 * A target already current (by its key, or checked in full when its files changed) leaves
 * the stage `cached`, nothing signed; a target that needed a load gets the version from its
 * catalog, checked against it, and the stage signs a `rebuild` receipt. `skipped` when nothing is declared or nothing is published.
 */
export function projectStage(env: NodeJS.ProcessEnv = process.env): VersionStage {
  return { name: PROJECT_STAGE, applies: (graph) => (graph.projections?.targets ?? []).length > 0, run: (a) => runProjectStage(a, env) };
}

async function runProjectStage(a: VersionStageArgs, env: NodeJS.ProcessEnv): Promise<VersionStageOutcome> {
  const skipped = (reason: string): VersionStageOutcome => ({ status: 'skipped', key: null, reason, paths: [], receipt: null, problems: null });
  const latest = readRegistry(a.projectRoot, a.slug)?.latest_version_id ?? null;
  if (latest === null) return skipped(`${a.slug} has no published version yet (kfm promote one)`);
  // Loaded only when there is something to project: the targets pull in SQLite, pg and the tiler.
  const { checkReachable, projectionSettings, targetKinds } = await import('./projectionTargets.js');
  const { syncVersion } = await import('./syncVersion.js');
  const { rebuildReceipt } = await import('./rebuildReceipt.js');
  const settings = projectionSettings(projectPaths(a.graph.kfmfile), a.graph.projections, env);
  const kinds = targetKinds(settings.declared);
  // Public targets never receive restricted data: a dataset whose latest version they may not hold is not projected, and says so.
  const { catalogFacts } = await import('./readCatalogVersion.js');
  const { PUBLIC_LABELS } = await import('./acceptedLabels.js');
  const facts = catalogFacts(a.dataDir, a.slug, latest);
  const label = facts.policy_label;
  if (!PUBLIC_LABELS.includes(label)) return skipped(`${a.slug}@${latest} is ${label}: the public targets (${kinds.join(', ')}) accept ${PUBLIC_LABELS.join(', ')} only`);
  checkReachable(kinds, settings);
  const started = new Date(a.now);
  const { outcomes } = await syncVersion({ settings, store: a.store, slug: a.slug, dvid: latest, kinds, facts });
  const key = canonicalDigest(outcomes.map((o) => [o.target, o.key]));
  const what = outcomes.map((o) => `${o.target} ${o.status}`).join(', ');
  if (outcomes.every((o) => o.status !== 'loaded')) return { status: 'cached', key, reason: `${a.slug}@${latest} is current in ${kinds.join(', ')}`, paths: [], receipt: null, problems: null };
  const receipt = rebuildReceipt({
    slug: a.slug,
    dvid: latest,
    facts,
    outcomes,
    reason: `kfm build (kfm:project): ${a.slug}@${latest}, the latest published version, was not current in every declared target (${what})`,
    actor: a.actor,
    environment: a.environment(),
    seed: a.runId,
    startedAt: started,
    now: new Date(),
  });
  const recorded = await a.receipts.record({ receipts: [receipt], inputFiles: [], store: a.store, dataDir: a.dataDir });
  const path = recorded.paths[0]!;
  return { status: 'executed', key, reason: `projected ${a.slug}@${latest}: ${what}`, paths: [path], receipt: { runId: recorded.runIds[0]!, seq: recorded.seqs[0]! }, problems: 0 };
}
