import { isDigest, type Digest } from '../../core/digest.js';
import { catalogLayout } from './catalogLayout.js';

/** What an EvidenceRef or catalog link names, found without network. */
export type EvidenceTarget =
  | { kind: 'file'; path: string }
  | { kind: 'object'; digest: Digest }
  | { kind: 'dataset'; slug: string; dvid: string }
  | { kind: 'run'; runId: string };

const VERSION_RE = /^([a-z0-9_]+)@([0-9A-Za-z.-]+)$/;

function safePath(path: string): string | undefined {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((s) => s === '' || s === '.' || s === '..') ? path : undefined;
}

/**
 * Parses an EvidenceRef or kfm URI (CONTRACTS "Identity"): `dcat://<slug>@<dvid>` (the DCAT
 * record), `stac://<slug>@<dvid>` (the Collection) or `stac://<slug>@<dvid>/items/<name>`,
 * `prov://<slug>@<dvid>` (the PROV bundle), `doc://<path under data/>`,
 * `kfm://artifact/sha256:<hex>` (a store object), `kfm://dataset/<slug>@<dvid>`,
 * `kfm://run/<id>`, and a URL under the catalog's base (`<base><path under data/>`).
 * Undefined when it is none of these or malformed.
 */
export function parseEvidenceRef(ref: string, baseUrl?: string): EvidenceTarget | undefined {
  const scheme = /^([a-z]+):\/\/(.*)$/.exec(ref);
  if (baseUrl !== undefined && ref.startsWith(baseUrl)) {
    const path = safePath(decodeURI(ref.slice(baseUrl.length)));
    return path === undefined ? undefined : { kind: 'file', path };
  }
  if (!scheme) return undefined;
  const [, name, rest] = scheme as unknown as [string, string, string];
  if (name === 'doc') {
    const path = safePath(rest);
    return path === undefined ? undefined : { kind: 'file', path };
  }
  if (name === 'dcat' || name === 'prov' || name === 'stac') {
    const [version, ...tail] = rest.split('/');
    const m = VERSION_RE.exec(version ?? '');
    if (!m) return undefined;
    const layout = catalogLayout(m[1]!, m[2]!);
    if (name === 'dcat' && tail.length === 0) return { kind: 'file', path: layout.dcat };
    if (name === 'prov' && tail.length === 0) return { kind: 'file', path: layout.prov };
    if (name === 'stac' && tail.length === 0) return { kind: 'file', path: layout.collection };
    if (name === 'stac' && tail.length === 2 && tail[0] === 'items' && /^[A-Za-z0-9_.-]+$/.test(tail[1]!)) return { kind: 'file', path: layout.item(tail[1]!) };
    return undefined;
  }
  if (name !== 'kfm') return undefined;
  if (rest.startsWith('artifact/')) {
    const digest = rest.slice('artifact/'.length);
    return isDigest(digest) ? { kind: 'object', digest } : undefined;
  }
  if (rest.startsWith('dataset/')) {
    const m = VERSION_RE.exec(rest.slice('dataset/'.length));
    return m ? { kind: 'dataset', slug: m[1]!, dvid: m[2]! } : undefined;
  }
  if (rest.startsWith('run/')) return { kind: 'run', runId: ref };
  return undefined;
}

/** Whether a string is meant as an EvidenceRef (has one of their schemes), so that one that does not parse is a broken link. */
export function looksLikeEvidenceRef(value: string): boolean {
  return /^(dcat|stac|prov|doc):\/\//.test(value) || /^kfm:\/\/(artifact|dataset|run|data)\//.test(value);
}
