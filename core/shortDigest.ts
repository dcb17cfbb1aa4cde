/** A digest as people read it: `sha256:` and its first 12 hex digits; `none` for an absent one. */
export function shortDigest(d: string | null): string {
  return d === null ? 'none' : d.slice(0, 'sha256:'.length + 12);
}
