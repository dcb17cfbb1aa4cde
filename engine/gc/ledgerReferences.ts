import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { checkEnvelopeShape, unverifiedPayload, type DsseEnvelope } from '../../store/receipts/dsse.js';
import { parseStatement } from '../../store/receipts/inTotoStatement.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import { digestsNamedIn } from './digestsNamedIn.js';
import { versionKey } from './retainedVersions.js';

/** What one ledger entry's signed statement names: its version (when it names one) and every digest in it. */
export interface EntryReferences {
  seq: number;
  /** `slug@dvid` from the signed predicate, or null for an entry of no version. */
  version: string | null;
  digests: Set<Digest>;
}

/**
 * Every ledger entry's references: the statement's subjects and every digest its predicate
 * names (a run receipt's inputs and outputs, its validation report, and whatever a later
 * receipt adds), read from the signed payload, not from the unsigned index columns. An
 * entry kfm cannot read is a KfmError `check`: gc cannot know what it keeps alive, so it
 * removes nothing (kfm receipts verify names what is wrong).
 */
export function ledgerReferences(entries: readonly LedgerEntry[]): EntryReferences[] {
  return entries.map((e) => {
    const unreadable = (why: string) =>
      new KfmError('check', `ledger entry ${e.seq} cannot be read (${why}): kfm gc removes nothing while the ledger names bytes it cannot see (run kfm receipts verify)`);
    let envelope: unknown;
    try {
      envelope = JSON.parse(e.envelope);
    } catch {
      throw unreadable('its envelope is not JSON');
    }
    const shape = checkEnvelopeShape(envelope);
    if (!shape.ok) throw unreadable(shape.error);
    const statement = parseStatement(unverifiedPayload(envelope as DsseEnvelope));
    if (!statement.ok) throw unreadable(statement.error);
    const digests = digestsNamedIn(statement.value.subject, new Set<Digest>());
    digestsNamedIn(statement.value.predicate, digests);
    const p = statement.value.predicate as Record<string, unknown> | null;
    const slug = typeof p?.['dataset_slug'] === 'string' ? p['dataset_slug'] : null;
    const dvid = typeof p?.['dataset_version_id'] === 'string' ? p['dataset_version_id'] : null;
    return { seq: e.seq, version: slug !== null && dvid !== null ? versionKey(slug, dvid) : null, digests };
  });
}

/** Each version's first ledger entry seq (ledger order, for --keep-last). */
export function firstSeqs(refs: readonly EntryReferences[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of refs) if (r.version !== null && !out.has(r.version)) out.set(r.version, r.seq);
  return out;
}
