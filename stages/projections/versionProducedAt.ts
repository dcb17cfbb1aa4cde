import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../../core/error.js';

/** The operations that produce a version's bytes (not the ones that publish or project it). */
const BUILD_OPERATIONS = new Set(['ingest', 'transform', 'qa']);

/**
 * When a version was produced: the latest `timestamps.ended_at` of its build receipts
 * (`data/catalog/<slug>/<dvid>/receipts/*.json`, DSSE envelopes; read, not verified:
 * `kfm receipts verify` is the check of those). Never the wall clock, so a rebuild of the
 * same version writes the same value. No build receipt: a KfmError `store`.
 */
export function versionProducedAt(dataDir: string, slug: string, dvid: string): string {
  const dir = join(dataDir, 'catalog', slug, dvid, 'receipts');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  let latest: string | undefined;
  for (const name of names) {
    const ended = buildEndedAt(join(dir, name));
    if (ended !== undefined && (latest === undefined || ended > latest)) latest = ended;
  }
  if (latest === undefined) throw new KfmError('store', `${slug}@${dvid} has no build receipt under data/catalog/${slug}/${dvid}/receipts/: cannot tell when it was produced`);
  return latest;
}

function buildEndedAt(file: string): string | undefined {
  try {
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload?: unknown };
    if (typeof envelope.payload !== 'string') return undefined;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicate?: { operation?: unknown; timestamps?: { ended_at?: unknown } };
    };
    const p = statement.predicate;
    if (!p || !BUILD_OPERATIONS.has(String(p.operation))) return undefined;
    return typeof p.timestamps?.ended_at === 'string' ? p.timestamps.ended_at : undefined;
  } catch {
    return undefined;
  }
}
