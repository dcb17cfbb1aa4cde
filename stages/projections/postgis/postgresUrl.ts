import { KfmError } from '../../../core/error.js';

/**
 * The PostGIS target's connection: `KFM_POSTGRES_URL` (a `postgres://` or `postgresql://`
 * URL). It may carry a password, so it is never echoed: errors name the variable only.
 */
export function postgresUrl(env: NodeJS.ProcessEnv): string {
  const url = env.KFM_POSTGRES_URL;
  if (!url) throw new KfmError('usage', 'the PostGIS target needs KFM_POSTGRES_URL (postgres://user@host:port/database)');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new KfmError('usage', 'KFM_POSTGRES_URL is not a postgres:// URL');
  return url;
}
