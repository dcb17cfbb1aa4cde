import { readFileSync } from 'node:fs';
import type { Json, JsonObject } from '../../core/json.js';
import { hasSecretRefs, resolveSecrets, secretPlaceholder } from '../../core/secretRef.js';
import type { TaskFailure, TaskMessage } from './job.js';

/**
 * Replaces every resolved secret value in what crosses back from a task (log lines,
 * progress units, error messages and stacks, meta) with `[secret:NAME]`: defence in depth
 * for a task that prints what it was given. A value is also matched URL-encoded.
 */
export class SecretScrubber {
  readonly #patterns: { text: string; replacement: string }[] = [];

  constructor(values: ReadonlyMap<string, string>) {
    for (const [name, value] of values) {
      if (value === '') continue;
      const replacement = secretPlaceholder(name);
      for (const text of new Set([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')])) {
        this.#patterns.push({ text, replacement });
      }
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#patterns.sort((a, b) => b.text.length - a.text.length);
  }

  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  text(s: string): string {
    let out = s;
    for (const p of this.#patterns) if (out.includes(p.text)) out = out.split(p.text).join(p.replacement);
    return out;
  }

  json(v: Json): Json {
    if (this.empty) return v;
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.json(x));
    if (typeof v === 'object' && v !== null) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) out[this.text(k)] = this.json(x);
      return out;
    }
    return v;
  }

  message(msg: TaskMessage): TaskMessage {
    if (this.empty) return msg;
    if (msg.type === 'log') return { ...msg, message: this.text(msg.message) };
    if (msg.type === 'progress' && msg.unit !== undefined) return { ...msg, unit: this.text(msg.unit) };
    return msg;
  }

  failure(f: TaskFailure): TaskFailure {
    if (this.empty) return f;
    const out: TaskFailure = { message: this.text(f.message) };
    if (f.location !== undefined) out.location = f.location;
    if (f.stack !== undefined) out.stack = this.text(f.stack);
    return out;
  }
}

const NO_SECRETS = new SecretScrubber(new Map());

/**
 * A job's params with its `secret()` references resolved from this process's environment
 * (or `<NAME>_FILE`), and the scrubber for their values. Throws a SecretResolutionError
 * (naming the reference) when one is not set.
 */
export function resolveJobSecrets(params: JsonObject): { params: JsonObject; scrubber: SecretScrubber } {
  if (!hasSecretRefs(params)) return { params, scrubber: NO_SECRETS };
  const resolved = resolveSecrets(params, { env: process.env, readFile: (p) => readFileSync(p, 'utf8') });
  return { params: resolved.params, scrubber: new SecretScrubber(resolved.values) };
}
