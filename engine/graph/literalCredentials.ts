import type { Json, JsonObject } from '../../core/json.js';
import { hideUserinfo } from '../../core/redactSecrets.js';
import { isSecretRef, looksLikeCredential, SECRET_NAME_RE } from '../../core/secretRef.js';

/** The built-in ingest's `run`. */
const INGEST = 'kfm:ingest';

/**
 * The first literal credential in a task's params, as a kfmfile error message, or null.
 * A credential is never written into a kfmfile (it would be hashed into keys and spec
 * hashes, stored in the registry, the state and the ledger): it takes `secret('NAME')`.
 * Checked: an ingest's source URL (userinfo, credential-named query parameters), its
 * `headers` and `query`, then every string under a credential-looking key anywhere in the
 * params, and every `$secret` object (it must be a well-formed reference).
 * A message never holds the literal's value.
 */
export function literalCredential(id: string, run: string, params: JsonObject): string | null {
  if (run === INGEST) {
    const found = ingestLiteral(id, params);
    if (found !== null) return found;
  }
  return paramsLiteral(id, params, '');
}

function ingestLiteral(id: string, params: JsonObject): string | null {
  const source = params.source;
  if (typeof source === 'string' && /^https?:\/\//i.test(source)) {
    const url = safeUrl(source);
    if (url !== null && (url.username !== '' || url.password !== '')) {
      return `the source URL of task "${id}" has credentials in it (${hideUserinfo(source)}): use headers: { Authorization: secret('NAME') } instead`;
    }
    if (url !== null) {
      for (const name of url.searchParams.keys()) {
        if (looksLikeCredential(name)) {
          return `the source URL of task "${id}" has a literal credential in query parameter "${name}": use query: { ${quoteKey(name)}: secret('${envName(name)}') } instead`;
        }
      }
    }
  }
  for (const [option, what] of [['headers', 'header'], ['query', 'query parameter']] as const) {
    const map = params[option];
    if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
    for (const [name, value] of Object.entries(map)) {
      if (typeof value === 'string' && looksLikeCredential(name)) {
        return `${what} "${name}" of task "${id}" is a literal credential: use ${option}: { ${quoteKey(name)}: secret('${envName(name)}') } instead`;
      }
    }
  }
  return null;
}

function paramsLiteral(id: string, v: Json, pointer: string): string | null {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const found = paramsLiteral(id, x, `${pointer}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  if ('$secret' in v && !isSecretRef(v)) {
    return `param ${pointer || '/'} of task "${id}" has a "$secret" key but is not a secret('NAME') reference`;
  }
  if (isSecretRef(v)) {
    return SECRET_NAME_RE.test(v.$secret)
      ? null
      : `secret(${JSON.stringify(v.$secret)}) in param ${pointer} of task "${id}" is not a valid name: it must match ${SECRET_NAME_RE.source}`;
  }
  for (const [key, x] of Object.entries(v)) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (looksLikeCredential(key) && (typeof x === 'string' || (Array.isArray(x) && x.some((e) => typeof e === 'string')))) {
      return `param "${key}" of task "${id}" (at ${at}) is a literal credential: use secret('${envName(key)}') instead`;
    }
    const found = paramsLiteral(id, x, at);
    if (found !== null) return found;
  }
  return null;
}

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** A suggested environment variable's name for a credential name: `X-Api-Key` → `X_API_KEY`. */
function envName(name: string): string {
  const upper = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  return upper === '' ? 'NAME' : /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

function quoteKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `'${name}'`;
}
