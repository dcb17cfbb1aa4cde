import { posix } from 'node:path';
import type { InputFile, TaskContext } from '../../engine/schedule/taskContext.js';
import type { IngestParams } from './ingestParams.js';
import { readPrior, type IngestMeta } from './ingestMeta.js';
import { receiptParameters } from './receiptParameters.js';
import { guessMediaType } from './mediaType.js';
import { dataOutputName, MANIFEST_NAME } from './outputName.js';
import { buildRawManifest, serializeRawManifest } from './rawManifest.js';

/**
 * Store a `file:` source: the engine declares its path as the task's input (and hashes it
 * into the node key), so the task only copies the bytes into the raw zone and writes the
 * manifest.
 */
export async function ingestFile(ctx: TaskContext, params: IngestParams, now: () => Date): Promise<void> {
  const input = findInput(ctx.inputs, params.source);
  const sourceUrl = `file:${input.path}`;
  const name = dataOutputName(input.path);
  const prior = readPrior(ctx.previous, sourceUrl, name);

  const fetchedAt = now().toISOString();
  // outputFile copies the file into the store (it never moves it), so the user's file stays.
  const data = await ctx.outputFile(name, input.absPath, guessMediaType(name));
  if (data.digest !== input.digest) {
    ctx.log.warn(`${input.path} changed while the build ran (hashed ${input.digest}, stored ${data.digest})`);
  }
  ctx.log.info(`stored ${name}, ${data.size} bytes, ${data.digest}`);

  const manifest = buildRawManifest({
    datasetSlug: ctx.dataset,
    accessMethod: 'file',
    sourceUrl,
    parameters: {},
    etag: null,
    lastModified: null,
    terms: params.terms,
    artifact: data,
  });
  await ctx.output(MANIFEST_NAME, serializeRawManifest(manifest), 'application/json');

  const meta: IngestMeta = {
    kfm_ingest_meta_version: 'v1',
    access_method: 'file',
    source_url: sourceUrl,
    output: name,
    decision: 'materialize',
    http_status: null,
    attempts: null,
    fetched_at: fetchedAt,
    etag_sent: null,
    last_modified_sent: null,
    etag_received: null,
    last_modified_received: null,
    digest: data.digest,
    size: data.size,
    prior_digest: prior.output?.digest ?? null,
    content_changed: data.digest !== prior.output?.digest,
    materialized_at: fetchedAt,
    materialized_etag: null,
    materialized_last_modified: null,
    receipt_parameters: receiptParameters(ctx.declaredParams),
  };
  ctx.setMeta(meta);
}

/** The declared input of `file:<path>`: the only input, or the one at that path. */
function findInput(inputs: InputFile[], source: string): InputFile {
  const wanted = posix.normalize(source.slice('file:'.length).replaceAll('\\', '/'));
  if (inputs.length === 1 && inputs[0] !== undefined) return inputs[0];
  const match = inputs.find((i) => i.path === wanted);
  if (match !== undefined) return match;
  if (inputs.length === 0) {
    throw new Error(`${source}: the task was given no input file (a file: source must be the task's declared input, as ingest() declares it)`);
  }
  throw new Error(`${source}: ${inputs.length} input files and none is ${wanted}; a file: source names one file`);
}
