import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingest } from '../../api/index.js';
import { createIngestTask } from '../../tasks/ingest.js';
import { FakeStore, inputFile, runTask } from './fakeContext.js';

const task = createIngestTask({ now: () => new Date('2026-03-02T12:00:00.000Z') });
const COUNTIES = 'node_modules/us-atlas/counties-10m.json';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('kfm:ingest, file source', () => {
  it('stores the declared input under its basename, with a manifest', async () => {
    const decl = ingest('fetch', { source: `file:${COUNTIES}`, terms: { license: 'public-domain' } });
    expect(decl.inputs).toEqual([COUNTIES]);
    const input = await inputFile(COUNTIES, resolve(COUNTIES));
    const bytes = await readFile(COUNTIES);
    const run = await runTask(task, new FakeStore(), {
      params: decl.params ?? {},
      inputs: [input],
      dataset: 'ks_counties',
    });

    expect(run.outputs.map((o) => [o.name, o.media_type])).toEqual([
      ['counties-10m.json', 'application/json'],
      ['manifest.json', 'application/json'],
    ]);
    const data = run.outputs[0];
    expect(data?.digest).toBe(input.digest);
    expect(data?.size).toBe(bytes.byteLength);
    expect(run.bytes.get('counties-10m.json')?.equals(bytes)).toBe(true);
    expect(JSON.parse(run.bytes.get('manifest.json')?.toString() ?? '')).toEqual({
      kfm_raw_manifest_version: 'v1',
      dataset_slug: 'ks_counties',
      access_method: 'file',
      source_url: `file:${COUNTIES}`,
      parameters: {},
      etag: null,
      last_modified: null,
      terms_snapshot: { license: 'public-domain' },
      artifacts: [{ path: 'counties-10m.json', digest: input.digest, size: bytes.byteLength, media_type: 'application/json' }],
    });
    expect(run.meta).toEqual({
      kfm_ingest_meta_version: 'v1',
      access_method: 'file',
      source_url: `file:${COUNTIES}`,
      output: 'counties-10m.json',
      decision: 'materialize',
      http_status: null,
      attempts: null,
      fetched_at: '2026-03-02T12:00:00.000Z',
      etag_sent: null,
      last_modified_sent: null,
      etag_received: null,
      last_modified_received: null,
      digest: input.digest,
      size: bytes.byteLength,
      prior_digest: null,
      content_changed: true,
      materialized_at: '2026-03-02T12:00:00.000Z',
      materialized_etag: null,
      materialized_last_modified: null,
      // What the run receipt records as its parameters (nothing to redact here).
      receipt_parameters: { source: `file:${COUNTIES}`, terms: { license: 'public-domain' } },
    });
  });

  it('writes the same manifest bytes for the same file, and types files by extension', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kfm-ingest-file-'));
    const abs = join(dir, 'Storm Events.CSV');
    await writeFile(abs, 'event_id,county\n1,Riley\n');
    const input = await inputFile('raw/Storm Events.CSV', abs);
    const params = { source: 'file:raw/Storm Events.CSV' };
    const store = new FakeStore();
    const first = await runTask(task, store, { params, inputs: [input] });
    const later = createIngestTask({ now: () => new Date('2027-01-01T00:00:00.000Z') });
    const second = await runTask(later, store, { params, inputs: [input], previous: first });

    expect(first.outputs[0]).toMatchObject({ name: 'Storm_Events.CSV', media_type: 'text/csv' });
    expect(second.outputs).toEqual(first.outputs);
    expect(second.meta).toMatchObject({ prior_digest: input.digest, content_changed: false });
    expect(createHash('sha256').update(first.bytes.get('Storm_Events.CSV') ?? '').digest('hex')).toBe(
      input.digest.slice('sha256:'.length),
    );
  });

  it('fails clearly when the engine gave it no input file', async () => {
    await expect(runTask(task, new FakeStore(), { params: { source: 'file:data/x.json' } })).rejects.toThrow(
      new Error(
        "file:data/x.json: the task was given no input file (a file: source must be the task's declared input, as ingest() declares it)",
      ),
    );
  });
});
