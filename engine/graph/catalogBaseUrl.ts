import type { KfmConfig } from '../../core/kfmConfig.js';
import type { KfmfileLocator } from './kfmfileLocator.js';

/**
 * The kfmfile's `catalog.baseUrl`, checked: an absolute URL (a scheme, no credentials, no
 * query or fragment) ending in `/`; undefined when not given. A file's catalog URL is this
 * and its path under data/, so it must be the same on every machine: never a local path.
 */
export function catalogBaseUrl(config: KfmConfig, at: KfmfileLocator): string | undefined {
  const opts = (config as { catalog?: unknown }).catalog;
  if (opts === undefined) return undefined;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) at.fail('catalog must be an object: { baseUrl: "https://…/" }', undefined);
  for (const k of Object.keys(opts)) if (k !== 'baseUrl') at.fail(`catalog has an unknown option "${k}" (known: baseUrl)`, undefined);
  const base = (opts as { baseUrl?: unknown }).baseUrl;
  if (base === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof base === 'string' ? new URL(base) : undefined;
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && typeof base === 'string' && base.endsWith('/') && url.protocol !== 'file:' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  if (!ok) at.fail(`catalog.baseUrl ${JSON.stringify(base)} must be an absolute URL ending in "/", without credentials, query or fragment (e.g. "https://data.example.org/kfm/")`, undefined);
  return base as string;
}
