import type { Digest } from '../../core/digest.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { ContentStore } from '../../store/contentStore.js';

/** Longest line shown of a text output's first difference. */
const LINE_MAX = 200;

/** An output whose bytes differ between two runs of a node (or that only one run wrote). */
export interface DifferingOutput {
  name: string;
  /** The first run's digest (null: only the second run wrote it). */
  first: Digest | null;
  /** The second run's digest (null: only the first run wrote it). */
  second: Digest | null;
  /** For a text output (utf-8; text/*, *json*, *xml*), the first line that differs, 1-based, each side cut to ~200 characters. */
  firstDifference?: { line: number; first: string; second: string };
}

/** The outputs of two runs that differ by digest, sorted by name; text outputs with their first differing line. */
export async function differingOutputs(first: readonly OutputRecord[], second: readonly OutputRecord[], store: Pick<ContentStore, 'get'>): Promise<DifferingOutput[]> {
  const a = new Map(first.map((o) => [o.name, o]));
  const b = new Map(second.map((o) => [o.name, o]));
  const names = [...new Set([...a.keys(), ...b.keys()])].sort(compareCodePoints);
  const out: DifferingOutput[] = [];
  for (const name of names) {
    const x = a.get(name);
    const y = b.get(name);
    if (x && y && x.digest === y.digest) continue;
    const d: DifferingOutput = { name, first: x?.digest ?? null, second: y?.digest ?? null };
    if (x && y && isText(x.media_type) && isText(y.media_type)) {
      const diff = firstDifferingLine(await store.get(x.digest), await store.get(y.digest));
      if (diff) d.firstDifference = diff;
    }
    out.push(d);
  }
  return out;
}

/** Media types whose bytes are read as utf-8 text. */
export function isText(mediaType: string): boolean {
  const t = mediaType.toLowerCase().split(';')[0]!.trim();
  return t.startsWith('text/') || t.includes('json') || t.endsWith('xml') || t === 'application/javascript';
}

/** The first line (1-based) where two utf-8 texts differ, each cut to ~200 characters; undefined when either is not utf-8. */
export function firstDifferingLine(a: Buffer, b: Buffer): { line: number; first: string; second: string } | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let x: string[];
  let y: string[];
  try {
    x = decoder.decode(a).split('\n');
    y = decoder.decode(b).split('\n');
  } catch {
    return undefined;
  }
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const l = x[i];
    const r = y[i];
    if (l !== r) return { line: i + 1, first: cut(l ?? '', r ?? ''), second: cut(r ?? '', l ?? '') };
  }
  return undefined;
}

/**
 * A line cut to LINE_MAX characters around where it first differs from `other` (a long
 * GeoJSON line differs far from its start), with `…` where something was cut.
 */
function cut(line: string, other: string): string {
  if (line.length <= LINE_MAX) return line;
  let at = 0;
  while (at < line.length && at < other.length && line[at] === other[at]) at++;
  const start = Math.max(0, Math.min(at - 40, line.length - LINE_MAX));
  const end = Math.min(line.length, start + LINE_MAX);
  return `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
}
