import type { OutputRecord } from '../../core/outputRecord.js';
import type { Json, JsonObject } from '../../core/json.js';
import { sortedJson } from '../../core/sortedJson.js';

/**
 * The raw zone manifest (CONTRACTS.md, "Zones and layout"): what was acquired, from where,
 * under which terms, and the digest of the bytes. It holds no time of fetch, so acquiring
 * the same bytes the same way writes the same manifest, byte for byte.
 */
export interface RawManifest {
  kfm_raw_manifest_version: 'v1';
  dataset_slug: string;
  access_method: 'http' | 'file';
  /** The URL with credentials redacted, or `file:<path relative to the project root>`. */
  source_url: string;
  /** How the request was made: `{ method, headers }` (secret values redacted); `{}` for a file. */
  parameters: JsonObject;
  /** The validators the stored bytes were served with; null for a file or when not sent. */
  etag: string | null;
  last_modified: string | null;
  terms_snapshot: { license: string; attribution?: string } | null;
  /** The acquired bytes: one entry, the data output. */
  artifacts: { path: string; digest: string; size: number; media_type: string }[];
}

export interface RawManifestInput {
  datasetSlug: string;
  accessMethod: 'http' | 'file';
  sourceUrl: string;
  parameters: JsonObject;
  etag: string | null;
  lastModified: string | null;
  terms: { license: string; attribution?: string } | undefined;
  artifact: OutputRecord;
}

export function buildRawManifest(input: RawManifestInput): RawManifest {
  const terms = input.terms;
  return {
    kfm_raw_manifest_version: 'v1',
    dataset_slug: input.datasetSlug,
    access_method: input.accessMethod,
    source_url: input.sourceUrl,
    parameters: input.parameters,
    etag: input.etag,
    last_modified: input.lastModified,
    terms_snapshot:
      terms === undefined
        ? null
        : terms.attribution === undefined
          ? { license: terms.license }
          : { license: terms.license, attribution: terms.attribution },
    artifacts: [
      {
        path: input.artifact.name,
        digest: input.artifact.digest,
        size: input.artifact.size,
        media_type: input.artifact.media_type,
      },
    ],
  };
}

/** The manifest's bytes: sorted keys, 2-space indent, trailing newline. */
export function serializeRawManifest(manifest: RawManifest): string {
  return sortedJson(manifest as unknown as Json);
}
