import { pinKey, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';
import { keyFileExposure, restrictKeyFile } from '../../store/receipts/signingKeyMode.js';
import { SIGNING_KEY_ENV, type SigningKey } from '../../store/receipts/signingKey.js';
import type { EventSink } from '../run/event.js';

/** What pinSigningKey found and did. */
export type SigningKeyTrust = 'bootstrapped' | 'pinned' | 'unpinned';

/**
 * Checks the key a build signs with against the project's trust file (kfm.trust.json) and
 * the key file's mode, before anything is signed, and says what it finds as `audit-notice`
 * events:
 * - no trust file: it is created pinning this key (the bootstrap of a new project); said so.
 * - a trust file that does not pin this key: nothing is written (trust is never extended
 *   silently); the build goes on, but its receipts will not verify until the key is pinned
 *   (`kfm receipts trust add`).
 * - a key file that group or others can read: the per-user key kfm generated is made 0600
 *   again; a key KFM_SIGNING_KEY (or a path) names is the operator's, so it is only warned about.
 */
export function pinSigningKey(projectRoot: string, key: SigningKey, onEvent: EventSink): SigningKeyTrust {
  const exposure = keyFileExposure(key.path);
  if (exposure !== undefined) {
    if (key.source === 'default') {
      restrictKeyFile(key.path);
      onEvent({ type: 'audit-notice', message: `the signing key ${key.path} was readable by ${exposure === 'world' ? 'everyone' : 'its group'}: its mode is 0600 again` });
    } else {
      const named = key.source === 'env' ? `${SIGNING_KEY_ENV} names ${key.path}, which` : `the signing key ${key.path}`;
      onEvent({ type: 'audit-notice', message: `warning: ${named} is readable by ${exposure === 'world' ? 'everyone' : 'its group'}: chmod 600 it` });
    }
  }
  const trust = readTrustFile(projectRoot);
  if (trust === undefined) {
    pinKey(projectRoot, key.publicKeyPem, `the signing key of the project's first build (${key.source === 'default' ? 'a per-user key' : `named by ${SIGNING_KEY_ENV}`})`);
    onEvent({ type: 'audit-notice', message: `created ${TRUST_FILE} pinning the signing key ${key.keyid}: commit it (receipts verify only against the keys it pins)` });
    return 'bootstrapped';
  }
  if (trust.keys.some((k) => k.keyid === key.keyid)) return 'pinned';
  onEvent({
    type: 'audit-notice',
    message: `warning: the signing key ${key.keyid} is not pinned in ${TRUST_FILE}: the receipts of this build will not verify until it is (kfm receipts trust add .kfm/keys/${key.keyid.slice('sha256:'.length)}.pub.pem)`,
  });
  return 'unpinned';
}
