import type { Digest } from '../../core/digest.js';
import type { StatEntry } from '../../core/fs.js';
import type { LocalCaches } from '../state/localCaches.js';
import type { NodeResult, ResultStore } from '../state/resultStore.js';
import type { RunLog, RunNodeRecord, RunRecord } from '../state/runLog.js';
import type { VersionRecord, VersionStore } from '../state/versionStore.js';
import { MemoryLocalCaches } from './memoryLocalCaches.js';
import { MemoryResultStore } from './memoryResultStore.js';
import { MemoryRunLog } from './memoryRunLog.js';
import { MemoryVersionStore } from './memoryVersionStore.js';

/**
 * The four state fakes in one object, shaped like the SQLite State: what an engine test
 * passes where the engine takes `ResultStore & RunLog & VersionStore` (and LocalCaches).
 */
export class MemoryState implements ResultStore, RunLog, VersionStore, LocalCaches {
  readonly results = new MemoryResultStore();
  readonly runLog = new MemoryRunLog();
  readonly versions = new MemoryVersionStore();
  readonly caches = new MemoryLocalCaches();

  resultByKey(key: Digest): Promise<NodeResult | undefined> {
    return this.results.resultByKey(key);
  }
  latestResults(): Promise<Map<string, NodeResult>> {
    return this.results.latestResults();
  }
  putResult(result: NodeResult): Promise<void> {
    return this.results.putResult(result);
  }
  putResults(results: readonly NodeResult[]): Promise<void> {
    return this.results.putResults(results);
  }
  setLatest(nodeId: string, key: Digest): Promise<void> {
    return this.results.setLatest(nodeId, key);
  }

  beginRun(run: { runId: string; startedAt: string; targets: string[]; jobs: number }): Promise<void> {
    return this.runLog.beginRun(run);
  }
  endRun(runId: string, endedAt: string, status: RunRecord['status'], nodes: readonly RunNodeRecord[]): Promise<void> {
    return this.runLog.endRun(runId, endedAt, status, nodes);
  }
  closeAbandonedRuns(endedAt: string): Promise<number> {
    return this.runLog.closeAbandonedRuns(endedAt);
  }
  runs(limit?: number): Promise<RunRecord[]> {
    return this.runLog.runs(limit);
  }
  runNodes(runId: string): Promise<RunNodeRecord[]> {
    return this.runLog.runNodes(runId);
  }

  version(slug: string, dvid: string): Promise<VersionRecord | undefined> {
    return this.versions.version(slug, dvid);
  }
  versionsOfSlice(slug: string, slice: string): Promise<VersionRecord[]> {
    return this.versions.versionsOfSlice(slug, slice);
  }
  versionsFor(slug: string, slice: string, specHash: string): Promise<VersionRecord[]> {
    return this.versions.versionsFor(slug, slice, specHash);
  }
  putVersion(version: VersionRecord): Promise<void> {
    return this.versions.putVersion(version);
  }

  statCache(): Map<string, StatEntry> {
    return this.caches.statCache();
  }
  putStatEntries(entries: readonly StatEntry[]): void {
    this.caches.putStatEntries(entries);
  }
  moduleImports(): Map<Digest, string[]> {
    return this.caches.moduleImports();
  }
  putModuleImports(entries: readonly [Digest, string[]][]): void {
    this.caches.putModuleImports(entries);
  }
  clearLocalCaches(): { statEntries: number; moduleImports: number } {
    return this.caches.clearLocalCaches();
  }

  close(): void {}
}
