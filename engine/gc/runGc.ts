import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { FileContentStore } from '../../store/contentStore.js';
import { readRegistry, registeredSlugs, registryDir } from '../../store/registry/datasetRegistry.js';
import { State } from '../../store/state.js';
import { openLedgerReadOnly, openProjectLock } from '../load/openSeams.js';
import { seamConfig } from '../load/seamConfig.js';
import { KfmError } from '../../core/error.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { crashPoint } from '../run/crashPoint.js';
import { appendCollected } from './collectedLog.js';
import { planGc, type GarbageObject, type GcPlan } from './planGc.js';

/** The format of `kfm gc --json` (schemas/gc-report.schema.json). */
export const GC_REPORT_VERSION = 'v1';

export interface GcOptions {
  dryRun: boolean;
  /** Per dataset, retain the n most recent versions (besides the latest and every candidate or published one). */
  keepLast?: number | undefined;
  onLockWait?: (holder: string) => void;
  clock?: Clock;
}

export interface GcResult {
  dryRun: boolean;
  plan: GcPlan;
  /** What was removed (dry run: what would be), in digest order. */
  removed: GarbageObject[];
  /** Temp files in the store's tmp/ older than the lock: removed (dry run: found). */
  temp: { files: number; bytes: number };
}

/** Objects are logged, then unlinked, this many at a time (one fsync of the log each). */
const BATCH = 256;

/**
 * `kfm gc` as a library call. Under the project lock (no build, promotion or other writer
 * runs meanwhile): reads every node's latest result, the ledger, the registry and data/,
 * plans (planGc), then removes each garbage object, its line in the collected log first.
 * Crash-safe: each removal is one unlink of an object nothing live names, so a kill at any
 * point leaves every remaining object whole and every live object present. Temp files
 * older than the lock go too. A project never built has nothing to collect.
 */
export async function runGc(paths: ProjectPaths, options: GcOptions): Promise<GcResult> {
  const clock = options.clock ?? systemClock;
  const empty: GcResult = { dryRun: options.dryRun, plan: { versions: [], checked: { objects: 0, live: 0 }, garbage: [] }, removed: [], temp: { files: 0, bytes: 0 } };
  if (!seamConfig().local) {
    throw new KfmError('usage', 'kfm gc collects the local store against the local state only: it does not run with KFM_STORE or KFM_STATE set (scale-out preview)');
  }
  if (!existsSync(join(paths.storeDir, 'objects'))) return empty;
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(options.dryRun ? 'kfm gc --dry-run' : 'kfm gc', (holder) => options.onLockWait?.(holder));
    const lockedAtMs = clock.now().getTime();
    const store = new FileContentStore(paths.storeDir);
    const plan = await planGc({ store, ...(await readSources(paths)), dataDir: paths.dataDir, keepLast: options.keepLast });
    const temp = store.sweepTempBefore(lockedAtMs, !options.dryRun);
    if (options.dryRun) return { dryRun: true, plan, removed: plan.garbage, temp };
    const removed: GarbageObject[] = [];
    for (let i = 0; i < plan.garbage.length; i += BATCH) {
      const batch = plan.garbage.slice(i, i + BATCH);
      appendCollected(paths.storeDir, batch, clock.now().toISOString());
      for (const g of batch) {
        if ((await store.remove(g.digest)) !== undefined) removed.push(g);
        crashPoint('gc-removed');
      }
    }
    return { dryRun: false, plan, removed, temp };
  } finally {
    await lock.close();
  }
}

/** What names bytes: latest results (state), ledger entries, the registry (validated and as on disk). */
async function readSources(paths: ProjectPaths) {
  const state = existsSync(paths.statePath) ? State.open(paths.statePath) : undefined;
  const ledger = openLedgerReadOnly(paths.kfmDir);
  try {
    const latest = state ? state.latestResults() : new Map();
    const entries = ledger ? await ledger.entries() : [];
    const slugs = registeredSlugs(paths.root);
    const registries = slugs.map((slug) => readRegistry(paths.root, slug)!);
    const registryFiles = slugs.map((slug) => JSON.parse(readFileSync(join(registryDir(paths.root), `${slug}.json`), 'utf8')) as unknown);
    return { latest, entries, registries, registryFiles };
  } finally {
    await ledger?.close();
    state?.close();
  }
}
