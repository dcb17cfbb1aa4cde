import type { Digest } from '../../core/digest.js';
import { readRegistry, writeRegistry } from '../../store/registry/datasetRegistry.js';
import type { RecordedReceipts } from './receiptWriter.js';

/**
 * Pins a version's receipts in the committed registry: its entry's `receipts_anchor`
 * becomes the ledger entry (ledger_id, seq, entry_hash) of the last receipt just recorded,
 * when it has none yet. The anchor names its ledger: a clone (another ledger) that builds
 * the version again keeps the committed anchor as it is (its own anchor goes to
 * `.kfm/anchors.json`, written by the receipt writer), and verify checks each anchor only
 * against the ledger it names. Set once: the build that creates a version anchors it (or, if that build died
 * before its receipts, the first retry that records them); later retries add receipts but
 * leave the registry as it is, so rebuilding never dirties git. `kfm receipts head` gives
 * an anchor for everything after. Returns whether the registry was written.
 */
export function anchorVersionReceipts(projectRoot: string, slug: string, dvid: string, recorded: RecordedReceipts): boolean {
  const seq = recorded.seqs[recorded.seqs.length - 1];
  const hash = recorded.entryHashes[recorded.entryHashes.length - 1];
  if (seq === undefined || hash === undefined || recorded.ledgerId === null) return false;
  const registry = readRegistry(projectRoot, slug);
  const version = registry?.versions.find((v) => v.dataset_version_id === dvid);
  if (!registry || !version || version.receipts_anchor !== undefined) return false;
  writeRegistry(projectRoot, {
    ...registry,
    versions: registry.versions.map((v) => (v === version ? { ...v, receipts_anchor: { ledger_id: recorded.ledgerId!, seq, entry_hash: hash as Digest } } : v)),
  });
  return true;
}
