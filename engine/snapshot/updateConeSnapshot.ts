import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildSummary } from '../run/buildSummary.js';
import { digestHex } from '../../core/digest.js';
import { RACY_MARGIN_MS, type FileHasher } from '../keys/fileHasher.js';
import type { ConePlan } from './planCone.js';
import { coneIndexPath } from './coneIndex.js';
import { dirRow, writeSnapshot, type Snapshot } from './snapshot.js';

/**
 * After a cone build (engine/snapshot/planCone.ts): the snapshot again describes the project,
 * with the changed files' new stat rows (as hashed this build), the cone's new keys and its
 * new output objects; the cone index is unchanged (same graph, same inputs: no directory a
 * glob reads changed). When it cannot (the build did not succeed, a changed file is too recent
 * to trust), the snapshot and its index are removed: the next build is a full one.
 */
export function updateConeSnapshot(args: { plan: ConePlan; summary: BuildSummary; hasher: FileHasher; storeDir: string }): boolean {
  const { plan, summary, hasher } = args;
  const ok = summary.status === 'succeeded' && summary.versions.length === 0 && summary.results !== undefined && update(args);
  if (!ok) {
    rmSync(plan.snapshotPath, { force: true });
    rmSync(coneIndexPath(plan.snapshotPath), { force: true });
  }
  return ok;
  function update({ storeDir }: { storeDir: string }): boolean {
    const snap = plan.snapshot;
    const rows = new Map<string, Snapshot['files'][number]>();
    for (const p of plan.changed) {
      const e = hasher.entry(p);
      if (!e || !(e.mtimeMs < e.hashedAt - RACY_MARGIN_MS)) return false;
      rows.set(p, [p, e.dev, e.ino, e.size, e.mtimeMs, e.ctimeMs, e.hashedAt]);
    }
    const keys = new Map(plan.keys);
    const objects = new Set(snap.objects);
    const byId = new Map(summary.nodes.map((n) => [n.id, n]));
    for (const id of plan.cone) {
      const n = byId.get(id);
      const result = summary.results!.get(id);
      if (!n?.key || !result) return false;
      keys.set(id, n.key);
      for (const o of result.outputs) objects.add(digestHex(o.digest));
    }
    const shards: Snapshot['shards'] = [];
    for (const shard of new Set([...objects].map((hex) => hex.slice(0, 2)))) {
      const row = dirRow(join(storeDir, 'objects', shard));
      if (!row) return false;
      shards.push([shard, row[1], row[2], row[3], row[4]]);
    }
    if (!statSync(plan.snapshotPath, { throwIfNoEntry: false })) return false;
    writeSnapshot(plan.snapshotPath, {
      ...snap,
      files: snap.files.map((r) => rows.get(r[0]) ?? r),
      objects: [...objects],
      shards,
      nodes: snap.nodes.map(([id]) => [id, keys.get(id)!]),
    });
    return true;
  }
}
