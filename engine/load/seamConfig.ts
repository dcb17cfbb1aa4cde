import { KfmError } from '../../core/error.js';
import type { S3StoreDescriptor } from '../../store/contentStore.js';
import { checkPostgresUrl, shownUrl } from '../../store/postgres/pgDatabase.js';
import { s3StoreDescriptor } from '../../store/s3/s3Location.js';

/** Which backend each seam of a project uses (docs/DESIGN.md "I/O seams"; README "Scale-out"). */
export interface SeamConfig {
  /** `local`: `.kfm/store/`. `s3`: a bucket (KFM_STORE=s3://bucket/prefix). */
  store: { kind: 'local' } | S3StoreDescriptor;
  /**
   * `sqlite`: `.kfm/state.db`, `.kfm/ledger.db` and the file lock `.kfm/lock.db`.
   * `postgres` (KFM_STATE=postgres://…): results, runs, versions, the ledger and the project
   * lock in that database (the local caches stay in `.kfm/state.db`).
   */
  state: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
  /** Both seams are the embedded defaults (what the no-op fast path and kfm gc need). */
  local: boolean;
}

/**
 * The backends the environment chooses: `KFM_STORE` (unset or `local`, or `s3://bucket/prefix`)
 * and `KFM_STATE` (unset or `sqlite`, or `postgres://user@host:port/database`). Unset is
 * the embedded default. Anything else is a KfmError `usage`; a URL in a message has its
 * password redacted.
 */
export function seamConfig(env: NodeJS.ProcessEnv = process.env): SeamConfig {
  const storeVar = env.KFM_STORE ?? '';
  const stateVar = env.KFM_STATE ?? '';
  let store: SeamConfig['store'];
  if (storeVar === '' || storeVar === 'local') store = { kind: 'local' };
  else if (storeVar.startsWith('s3://')) store = s3StoreDescriptor(storeVar, env);
  else throw new KfmError('usage', `KFM_STORE is ${shownUrl(storeVar)}: give s3://bucket/prefix, or local (the default, .kfm/store/)`);
  let state: SeamConfig['state'];
  if (stateVar === '' || stateVar === 'sqlite') state = { kind: 'sqlite' };
  else if (/^postgres(ql)?:\/\//.test(stateVar)) {
    checkPostgresUrl(stateVar);
    state = { kind: 'postgres', url: stateVar };
  } else throw new KfmError('usage', `KFM_STATE is ${shownUrl(stateVar)}: give postgres://user@host:port/database, or sqlite (the default, .kfm/state.db)`);
  return { store, state, local: store.kind === 'local' && state.kind === 'sqlite' };
}
