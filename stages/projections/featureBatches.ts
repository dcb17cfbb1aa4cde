import type { Feature } from 'geojson';
import { KfmError } from '../../core/error.js';
import { artifactFeatures, type FeatureSource } from './versionFeatures.js';
import type { FeatureArtifact } from './projectedVersion.js';

/** How many features a batch parses at a time. */
const BATCH = 2000;

/** An artifact's features, counted up front and parsed batch by batch as they are read. */
export interface FeatureBatches {
  count: number;
  /** The features in order; each pass parses them again (a batch at a time). */
  features(): Iterable<Feature>;
}

/**
 * An artifact's features (read by digest, the store verifying the bytes) without parsing
 * them all first: one scan of the text finds the top-level `features` array and the commas
 * between its elements, the rest of the document is parsed (and checked a
 * FeatureCollection) with that array left empty, and the features are parsed BATCH at a
 * time as the caller iterates, so a load can send the first rows while the later ones are
 * still text. An element that is not JSON fails as the whole document would (KfmError
 * `store`) when its batch is reached. A document the scan does not recognise (no top-level
 * object, no `features` key or two, an escaped key) is parsed whole, as artifactFeatures
 * does, with its errors.
 */
export async function featureBatches(store: FeatureSource, artifact: Pick<FeatureArtifact, 'path' | 'digest'>): Promise<FeatureBatches> {
  const bytes = await store.get(artifact.digest);
  const found = scanFeatures(bytes);
  if (!found) return whole(await artifactFeatures({ get: async () => bytes }, artifact));
  const bad = (e: unknown) => new KfmError('store', `${artifact.path} (${artifact.digest}) is not JSON: ${(e as Error).message}`);
  let doc: { type?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8', 0, found.open + 1) + bytes.toString('utf8', found.close)) as { type?: unknown };
  } catch (e) {
    throw bad(e);
  }
  if (doc?.type !== 'FeatureCollection') throw new KfmError('store', `${artifact.path} (${artifact.digest}) is not a GeoJSON FeatureCollection`);
  const { open, close, commas } = found;
  const count = commas.length === 0 && bytes.toString('utf8', open + 1, close).trim() === '' ? 0 : commas.length + 1;
  const start = (k: number) => (k === 0 ? open + 1 : commas[k - 1]! + 1);
  const end = (k: number) => (k === count - 1 ? close : commas[k]!);
  return {
    count,
    *features() {
      for (let i = 0; i < count; i += BATCH) {
        const j = Math.min(count, i + BATCH);
        let batch: Feature[];
        try {
          batch = JSON.parse(`[${bytes.toString('utf8', start(i), end(j - 1))}]`) as Feature[];
        } catch (e) {
          throw bad(e);
        }
        yield* batch;
      }
    },
  };
}

function whole(features: Feature[]): FeatureBatches {
  return { count: features.length, features: () => features };
}

const QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58;
const OPEN_OBJ = 123, CLOSE_OBJ = 125, OPEN_ARR = 91, CLOSE_ARR = 93;

/**
 * Where the top-level object's `features` array opens and closes, and the byte offsets of
 * the commas between its elements; undefined when the text is not shaped so (left to
 * JSON.parse). Scans UTF-8 bytes: JSON's structural characters are ASCII, and no byte of a
 * multi-byte character is below 0x80; a string is skipped to its next unescaped quote.
 */
function scanFeatures(text: Buffer): { open: number; close: number; commas: number[] } | undefined {
  let depth = 0;
  let open = -1;
  let close = -1;
  let lastKey: string | undefined;
  let keyEnd = -1;
  let commas: number[] = [];
  let first = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === QUOTE) {
      const s = i;
      i = stringEnd(text, i);
      if (i === -1) return undefined;
      if (depth === 1) {
        lastKey = text.toString('latin1', s + 1, i);
        keyEnd = i;
      }
      continue;
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (first && (c !== OPEN_OBJ || depth !== 0)) return undefined;
      first = false;
      depth++;
      if (depth === 2 && c === OPEN_ARR && lastKey === 'features' && /^\s*:\s*$/.test(text.toString('latin1', keyEnd + 1, i))) {
        if (open !== -1) return undefined;
        open = i;
      }
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      if (depth === 2 && open !== -1 && close === -1 && c === CLOSE_ARR) close = i;
      depth--;
    } else if (c === COMMA && depth === 2 && open !== -1 && close === -1) {
      commas.push(i);
    } else if (c === COLON || c <= 32) {
      continue;
    } else if (first) return undefined;
    if (depth === 1 && c !== COLON) lastKey = c === COMMA || c === OPEN_OBJ ? undefined : lastKey;
  }
  if (open === -1 || close === -1) return undefined;
  return { open, close, commas };
}

/** The offset of the quote that closes the string opened at `at` (-1: none). */
function stringEnd(text: Buffer, at: number): number {
  let q = at;
  for (;;) {
    q = text.indexOf(QUOTE, q + 1);
    if (q === -1) return -1;
    let b = q - 1;
    while (text[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
}
