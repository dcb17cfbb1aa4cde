import { seamConfig } from '../load/seamConfig.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileContentStore } from '../../store/contentStore.js';
import { isDigest, type Digest } from '../../core/digest.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { LedgerProblem } from '../../store/ledger/verifyLedger.js';
import { verifyDataTree, type ClaimedOutput } from '../../store/ledger/verifyDataTree.js';
import { pinnedKeys, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import { stateVersionModes, type StateVersionMode } from '../../store/state/stateVersionModes.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { claimedReceipt } from './ledgerReader.js';
import { verifyRegistry } from './verifyRegistry.js';
import type { AuditNotice } from './auditNotice.js';
import { KfmError } from '../../core/error.js';
import { LOCAL_ANCHORS_FILE, readLocalAnchors, type LocalAnchor } from '../../store/ledger/localAnchors.js';

/**
 * The keys `kfm receipts verify` trusts: those kfm.trust.json pins (never `.kfm/keys/`,
 * which anyone who can write the project can fill). Without a trust file, none, and a
 * `trust-file-missing` problem when the ledger has entries.
 */
export function projectTrust(paths: ProjectPaths, entries: number): { keys: TrustedKeys; problems: LedgerProblem[] } {
  const file = readTrustFile(paths.root);
  const problems: LedgerProblem[] =
    file === undefined && entries > 0
      ? [
          {
            seq: null,
            reason: 'trust-file-missing',
            problem: `${TRUST_FILE} is missing: no signing key is pinned, so no signature can be trusted (kfm receipts trust add <public key pem>, then commit it)`,
            file: TRUST_FILE,
          },
        ]
      : [];
  return { keys: pinnedKeys(file), problems };
}

/** An `unknown-key` problem said in terms of the trust file: which key signed, and that it is not pinned. */
export function explainUnpinned(p: LedgerProblem): LedgerProblem {
  if (p.reason !== 'unknown-key') return p;
  return { ...p, problem: p.problem.replace(/\(not among the trusted keys\)/, `(not pinned in ${TRUST_FILE})`) };
}

/**
 * One notice per key that signed entries but is not pinned (`unknown-key` problems): the
 * exact command that pins it, when its public half is in `.kfm/keys/` (a key this checkout
 * signed with: a clone's or a CI runner's first build when the committed trust file pins
 * other keys). Pinning is the operator's decision, so verify only says how.
 */
export function unpinnedKeyNotices(problems: readonly LedgerProblem[], kfmDir: string): AuditNotice[] {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const keyid = p.reason === 'unknown-key' ? /unknown key (sha256:[0-9a-f]{64})/.exec(p.problem)?.[1] : undefined;
    if (keyid) counts.set(keyid, (counts.get(keyid) ?? 0) + 1);
  }
  return [...counts].map(([keyid, n]) => {
    const hex = keyid.slice('sha256:'.length);
    const pub = `.kfm/keys/${hex}.pub.pem`;
    const how = existsSync(join(kfmDir, 'keys', `${hex}.pub.pem`)) ? `kfm receipts trust add ${pub}` : 'kfm receipts trust add <its public key PEM file>';
    return {
      notice: `${TRUST_FILE}: the key ${keyid} signed ${n} entr${n === 1 ? 'y' : 'ies'} but is not pinned; if it is this checkout's key, pin it with ${how} (then commit ${TRUST_FILE})`,
      file: TRUST_FILE,
    };
  });
}

/**
 * What `kfm receipts verify` checks beyond the ledger and its receipt files: the data/ tree
 * against checksums.json and the receipts' output digests (verifyDataTree), the registry
 * against the state and the ledger, with its anchors and the ledger's own (`.kfm/anchors.json`:
 * verifyRegistry), and, with `head`, that the ledger holds that entry (an anchor recorded
 * elsewhere, `kfm receipts head`). Notices: what another ledger recorded (not checkable here).
 */
export function auditProject(
  paths: ProjectPaths,
  rows: readonly LedgerEntry[],
  options: { head?: string | undefined; stateVersions?: readonly StateVersionMode[] } = {},
): { problems: LedgerProblem[]; notices: AuditNotice[] } {
  const outputs: ClaimedOutput[] = [];
  for (const row of rows) {
    const r = claimedReceipt(row);
    if (!r || !Array.isArray(r.outputs)) continue;
    for (const o of r.outputs as unknown[]) {
      const { path, digest } = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
      if (typeof path === 'string' && isDigest(digest)) outputs.push({ seq: row.seq, path, digest: digest as Digest });
    }
  }
  // The link checks of data/ files are the local store's; another store's data/ files are copies.
  const store = seamConfig().store.kind === 'local' && existsSync(paths.storeDir) ? new FileContentStore(paths.storeDir) : undefined;
  const local = localAnchors(paths.kfmDir);
  const registry = verifyRegistry(paths.root, rows, options.stateVersions ?? stateVersionModes(paths.statePath), local.anchors);
  const problems = [...verifyDataTree(paths.dataDir, outputs, store), ...registry.problems, ...local.problems];
  if (options.head !== undefined && !rows.some((r) => r.entryHash === options.head)) {
    const last = rows[rows.length - 1];
    problems.push({
      seq: null,
      reason: 'head-missing',
      problem: `the ledger holds no entry with hash ${options.head} (--head): it was truncated or rewritten since that head was recorded (its head now: ${last ? `seq ${last.seq} ${last.entryHash}` : 'empty'})`,
    });
  }
  return { problems, notices: registry.notices };
}

/** The ledger's own anchors (`.kfm/anchors.json`); a file that does not read is a problem (none of them can be checked). */
function localAnchors(kfmDir: string): { anchors: LocalAnchor[]; problems: LedgerProblem[] } {
  try {
    return { anchors: readLocalAnchors(kfmDir), problems: [] };
  } catch (e) {
    if (!(e instanceof KfmError)) throw e;
    const file = `.kfm/${LOCAL_ANCHORS_FILE}`;
    return { anchors: [], problems: [{ seq: null, reason: 'anchor-missing', problem: e.message.replace(join(kfmDir, LOCAL_ANCHORS_FILE), file), file }] };
  }
}
