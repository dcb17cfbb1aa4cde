import type { Json, JsonObject } from './json.js';

/**
 * A secret as a kfmfile declares it: a reference by name, never the value. It is plain
 * JSON, `{ "$secret": "KS_API_TOKEN" }`, so keys, spec hashes, receipts, the registry and
 * the state hold the name; the worker resolves the value at run time (`resolveSecrets`).
 */
export type SecretRef = { readonly $secret: string };

/** A secret's name: an environment variable's name. */
export const SECRET_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The reference to the secret `name` (what `secret()` of the public API returns). */
export function secretRef(name: string): SecretRef {
  return { $secret: name };
}

/** True for `{ "$secret": <string> }` and nothing else (no other keys). */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$secret' && typeof (value as { $secret: unknown }).$secret === 'string';
}

/** How a secret appears wherever its value would: in records, messages and scrubbed logs. */
export function secretPlaceholder(name: string): string {
  return `[secret:${name}]`;
}

const CREDENTIAL_WORDS = ['authorization', 'token', 'key', 'secret', 'password', 'signature', 'credential', 'session', 'cookie'];

/**
 * Whether a header, query parameter or param name looks like it holds a credential
 * (a case-insensitive substring match of authorization, token, key, secret, password,
 * signature, credential, session or cookie: `X-Api-Key`, `Private-Token`, `client_secret`,
 * `access_key`). Such a name must take a `secret()`, not a literal.
 */
export function looksLikeCredential(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_WORDS.some((w) => lower.includes(w));
}

/** Where a secret's value comes from: the environment, and a reader for `<NAME>_FILE`. */
export interface SecretSource {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

/** Thrown when a secret cannot be resolved: its message names the reference, never a value. */
export class SecretResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretResolutionError';
  }
}

/**
 * The value of the secret `name`: the environment variable `name`, else the contents of the
 * file named by `<name>_FILE` with one trailing newline (`\n` or `\r\n`) trimmed.
 */
export function resolveSecret(name: string, source: SecretSource): string {
  if (!SECRET_NAME_RE.test(name)) throw new SecretResolutionError(`secret(${JSON.stringify(name)}) is not a valid secret name`);
  const direct = source.env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = source.env[`${name}_FILE`];
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = source.readFile(file);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : typeof code === 'string' ? code : 'unreadable';
      throw new SecretResolutionError(`secret('${name}'): cannot read ${name}_FILE (${file}): ${why}`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new SecretResolutionError(`secret('${name}'): the file named by ${name}_FILE (${file}) is empty`);
    return value;
  }
  throw new SecretResolutionError(`secret('${name}') is not set: set the environment variable ${name} or ${name}_FILE (a file holding it)`);
}

/** Params with every reference replaced by its value, and the values by name (for scrubbing). */
export interface ResolvedSecrets {
  params: JsonObject;
  values: Map<string, string>;
}

/** Resolves every `secret()` reference in `params`, anywhere in it. */
export function resolveSecrets(params: JsonObject, source: SecretSource): ResolvedSecrets {
  const values = new Map<string, string>();
  const walk = (v: Json): Json => {
    if (isSecretRef(v)) {
      let value = values.get(v.$secret);
      if (value === undefined) values.set(v.$secret, (value = resolveSecret(v.$secret, source)));
      return value;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { params: walk(params) as JsonObject, values };
}

/** Whether `params` holds any reference (most tasks hold none: nothing to resolve). */
export function hasSecretRefs(v: Json): boolean {
  if (isSecretRef(v)) return true;
  if (Array.isArray(v)) return v.some(hasSecretRefs);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(hasSecretRefs);
  return false;
}
