import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isDigest, type Digest } from '../../core/digest.js';

/** The format of a line of `.kfm/store/collected.jsonl`. */
export const COLLECTED_LOG_VERSION = 'v1';

/** One object kfm gc removed (or was about to: a line is written before its unlink). */
export interface CollectedObject {
  digest: Digest;
  size: number;
  reason: string;
}

/** `<store>/collected.jsonl`: what kfm gc removed, so that a receipt naming it reads as collected, not lost. */
export function collectedLogPath(storeDir: string): string {
  return join(storeDir, 'collected.jsonl');
}

/**
 * Appends objects to the collected log and fsyncs it, before gc unlinks them: a kill after
 * the append and before an unlink leaves a line for an object still present (harmless: it
 * is garbage either way), never a removed object without its line. `collected_at` is for
 * the post-mortem reader only; nothing keys on it.
 */
export function appendCollected(storeDir: string, objects: readonly CollectedObject[], collectedAt: string): void {
  if (objects.length === 0) return;
  const text = objects
    .map((o) => JSON.stringify({ kfm_collected_version: COLLECTED_LOG_VERSION, digest: o.digest, size: o.size, reason: o.reason, collected_at: collectedAt }) + '\n')
    .join('');
  const fd = openSync(collectedLogPath(storeDir), 'a', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Every digest the collected log names. A torn last line (a kill mid-append, before the
 * fsync returned, so before any unlink it covers) is skipped.
 */
export function readCollected(storeDir: string): Set<Digest> {
  const out = new Set<Digest>();
  const path = collectedLogPath(storeDir);
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      const d = (JSON.parse(line) as { digest?: unknown }).digest;
      if (isDigest(d)) out.add(d);
    } catch {
      // a torn line
    }
  }
  return out;
}

/**
 * A store check for kfm receipts verify: an object the collected log names and the store no
 * longer holds was removed on purpose by kfm gc (a version --keep-last dropped), so it reads
 * as accounted for (`ok`), not as lost. Bytes still present are checked as ever: a corrupt
 * object is corrupt whatever the log says.
 */
export function checkWithCollected(store: { check(digest: Digest): Promise<'ok' | 'missing' | 'corrupt'> }, storeDir: string): { check(digest: Digest): Promise<'ok' | 'missing' | 'corrupt'> } {
  const collected = readCollected(storeDir);
  return {
    check: async (digest) => {
      const state = await store.check(digest);
      return state === 'missing' && collected.has(digest) ? 'ok' : state;
    },
  };
}
