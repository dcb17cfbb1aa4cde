import { KfmError } from '../../core/error.js';
import { seamConfig } from '../load/seamConfig.js';
import { QueueRunner } from './queueRunner.js';

/** How long a job may stay active without an outcome before another worker retries it (default 15 minutes). */
export const DEFAULT_QUEUE_TIMEOUT_SECONDS = 900;
/** How many times a job is retried after a timeout before its node fails. */
export const QUEUE_RETRY_LIMIT = 3;

/** `KFM_QUEUE_TIMEOUT` (whole seconds, at least 1), else the default. */
export function queueTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KFM_QUEUE_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_QUEUE_TIMEOUT_SECONDS;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new KfmError('usage', `KFM_QUEUE_TIMEOUT is ${raw}: give whole seconds (at least 1)`);
  return n;
}

/**
 * The runner of `kfm build --executor queue`: workers elsewhere share the build's state
 * (KFM_STATE=postgres://…, where the queue lives) and its store (KFM_STORE=s3://…, where
 * inputs and outputs travel). Anything else is a KfmError `usage` saying what is missing.
 */
export function openQueueRunner(env: NodeJS.ProcessEnv = process.env): QueueRunner {
  const config = seamConfig(env);
  if (config.state.kind !== 'postgres') {
    throw new KfmError('usage', '--executor queue needs KFM_STATE=postgres://user@host:port/database: the queue and the results live in PostgreSQL, shared with the workers');
  }
  if (config.store.kind !== 's3') {
    throw new KfmError('usage', '--executor queue needs KFM_STORE=s3://bucket/prefix: workers on other machines read and write the outputs there');
  }
  return new QueueRunner({ url: config.state.url, timeoutSeconds: queueTimeoutSeconds(env), retryLimit: QUEUE_RETRY_LIMIT });
}
