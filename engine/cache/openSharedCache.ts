import type { KeyObject } from 'node:crypto';
import { KfmError } from '../../core/error.js';
import { shownUrl } from '../../store/postgres/pgDatabase.js';
import { pinnedKeys, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';
import { loadOrCreateSigningKey } from '../../store/receipts/signingKey.js';
import { s3StoreDescriptor } from '../../store/s3/s3Location.js';
import { SharedCache } from './sharedCache.js';

/**
 * The shared cache `KFM_CACHE=s3://bucket/prefix` names (same endpoint and credential
 * variables as KFM_STORE=s3://), or undefined when unset. It writes only when this machine's
 * signing key is pinned in kfm.trust.json and `KFM_CACHE_WRITE` is not `0`; `notices` says
 * why it does not write (one line per build).
 */
export function openSharedCache(root: string, env: NodeJS.ProcessEnv = process.env): { cache: SharedCache; notices: string[] } | undefined {
  const url = env.KFM_CACHE ?? '';
  if (url === '') return undefined;
  if (!url.startsWith('s3://')) throw new KfmError('usage', `KFM_CACHE is ${shownUrl(url)}: give s3://bucket/prefix`);
  const descriptor = s3StoreDescriptor(url, env);
  const pinned = pinnedKeys(readTrustFile(root));
  const notices: string[] = [];
  let signer: { keyid: string; privateKey: KeyObject } | undefined;
  if (env.KFM_CACHE_WRITE === '0') {
    notices.push('not writing the shared cache: KFM_CACHE_WRITE=0');
  } else {
    try {
      const key = loadOrCreateSigningKey({ projectRoot: root, env });
      if (pinned.has(key.keyid)) signer = key;
      else notices.push(`not writing the shared cache: this machine's key ${key.keyid} is not pinned in ${TRUST_FILE}`);
    } catch (e) {
      notices.push(`not writing the shared cache: ${(e as Error).message}`);
    }
  }
  return { cache: new SharedCache(descriptor, pinned, signer), notices };
}
