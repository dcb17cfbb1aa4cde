import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { sha256 } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import {
  parseRunId,
  receiptFileName,
  RUN_RECEIPT_SCHEMA_ID,
  runId,
  runIdOfReceiptFile,
  validateReceipt,
  type RunReceipt,
} from '../../store/receipts/runReceipt.js';
import { REPO_ROOT } from '../support/cliRig.js';
import { sampleReceipt } from './receiptRig.js';

const digests = { input: sha256('input'), output: sha256('output'), report: sha256('report') };
const receipt = (edit?: (r: RunReceipt) => void): RunReceipt => {
  const r = sampleReceipt(1, digests);
  edit?.(r);
  return r;
};

describe('validateReceipt', () => {
  it('accepts a valid receipt, with and without the optional parts', () => {
    expect(validateReceipt(receipt())).toEqual([]);
    expect(
      validateReceipt(
        receipt((r) => {
          delete r.node;
          delete r.node_key;
          delete r.validation.report_digest;
          r.validation = { status: 'not_applicable', reports: [] };
          r.environment.git_commit = null;
          r.environment.container_digest = sha256('image');
          r.outputs = [];
        }),
      ),
    ).toEqual([]);
  });

  it('accepts an ingest receipt with conditional-request facts', () => {
    const r = receipt((r) => {
      r.operation = 'ingest';
      r.mode = 'retry';
      r.ingest = {
        http_status: 304,
        etag_sent: '"abc"',
        etag_received: '"abc"',
        last_modified_sent: null,
        last_modified_received: null,
        decision: 'no_op',
        prior_digest: digests.output,
      };
    });
    expect(validateReceipt(r)).toEqual([]);
    r.ingest!.http_status = 200;
    expect(validateReceipt(r)).toEqual(['/ingest/decision must be "no_op" exactly when http_status is 304']);
    r.ingest!.http_status = 203 as 200;
    expect(validateReceipt(r)).toEqual(['/ingest/http_status must be equal to one of the allowed values (200, 304, null)']);
  });

  it('reports schema problems as `<instancePath> <message>`', () => {
    const problems = validateReceipt(
      receipt((r) => {
        (r as { kfm_run_receipt_version: string }).kfm_run_receipt_version = 'v2';
        r.outputs[0]!.digest = 'sha256:XYZ' as never;
        (r as unknown as Record<string, unknown>).surprise = true;
        (r as { operation: string }).operation = 'deploy';
        delete (r as Partial<RunReceipt>).mode_reason;
        r.created_at = 'yesterday';
        r.run_id = 'kfm://run/2026-03-02T14:15:00Z.ks_counties.ab12cd34';
      }),
    );
    expect(problems).toEqual([
      "/ must have required property 'mode_reason'",
      '/ must NOT have additional properties (surprise)',
      '/kfm_run_receipt_version must be equal to constant ("v1")',
      '/run_id must match pattern "^kfm://run/[0-9]{8}T[0-9]{6}Z\\.[a-z0-9_]+\\.[0-9a-f]{8}$"',
      '/operation must be equal to one of the allowed values ("ingest", "transform", "qa", "catalog", "promote", "rebuild", "rollback", "retry")',
      '/outputs/0/digest must match pattern "^sha256:[0-9a-f]{64}$"',
      '/created_at must match format "date-time"',
    ]);
  });

  it('rejects output paths that leave data/', () => {
    for (const path of ['/etc/passwd', '../x', 'processed/../../x', 'processed/./x', 'a\\b']) {
      expect(validateReceipt(receipt((r) => (r.outputs[0]!.path = path)))).toEqual([
        '/outputs/0/path must match pattern "^(?!/)(?!.*(^|/)\\.\\.?(/|$))[^\\\\]+$"',
      ]);
    }
  });

  it('checks the rules the schema cannot state', () => {
    const problems = validateReceipt(
      receipt((r) => {
        r.inputs[0]!.artifact_id = `kfm://artifact/${sha256('other')}`;
        r.run_id = runId(new Date(0), 'ks_places', sha256('x'));
        r.node = 'ks_places/transform';
        r.dataset_version_id = '2017.00000000';
        r.environment.params_digest = sha256('not the params');
        r.timestamps.ended_at = '2026-03-02T14:14:59Z';
        r.ingest = {
          http_status: null,
          etag_sent: null,
          etag_received: null,
          last_modified_sent: null,
          last_modified_received: null,
          decision: 'materialize',
          prior_digest: null,
        };
      }),
    );
    const spec8 = sha256('spec of ks_counties').slice(7, 15);
    expect(problems).toEqual([
      `/inputs/0/artifact_id must name its digest (kfm://artifact/${digests.input})`,
      '/run_id must name dataset_slug "ks_counties" (it names "ks_places")',
      '/node must be a task of dataset "ks_counties"',
      `/dataset_version_id must carry the first 8 hex of spec_hash (${spec8})`,
      `/environment/params_digest must be the digest of /environment/parameters (${canonicalDigest(receipt().environment.parameters)})`,
      '/timestamps/ended_at must not be before started_at',
      '/ingest is only for ingest receipts (operation is "transform")',
    ]);
  });

  it('accepts a backfill dvid', () => {
    expect(validateReceipt(receipt((r) => (r.dataset_version_id += '.9f8e7d6c')))).toEqual([]);
  });

  it('uses the schema file in schemas/, whose $id is the documented one', () => {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'run-receipt.schema.json'), 'utf8')) as { $id: string };
    expect(schema.$id).toBe(RUN_RECEIPT_SCHEMA_ID);
    expect(RUN_RECEIPT_SCHEMA_ID).toBe('https://kfm.dev/schemas/run-receipt.schema.json');
  });

  it('finds the schema from the compiled module in dist/ too', () => {
    const url = pathToFileURL(join(REPO_ROOT, 'dist', 'store', 'receipts', 'runReceipt.js')).href;
    const script = `const { validateReceipt } = await import(${JSON.stringify(url)});
      process.stdout.write(JSON.stringify([validateReceipt(${JSON.stringify(receipt())}), validateReceipt({}).length]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([[], 16]);
  });
});

describe('runId', () => {
  const seed = sha256('seed');

  it('is kfm://run/<UTC ISO 8601 basic, seconds>.<slug>.<first 8 hex of the seed>', () => {
    const id = runId(new Date('2026-03-02T14:15:00.987Z'), 'ks_counties', seed);
    expect(id).toBe(`kfm://run/20260302T141500Z.ks_counties.${seed.slice(7, 15)}`);
    expect(parseRunId(id)).toEqual({ time: '20260302T141500Z', slug: 'ks_counties', hash8: seed.slice(7, 15) });
  });

  it('round-trips through the receipt file name', () => {
    const id = runId(new Date('2026-03-02T14:15:00Z'), 'ks_counties', seed);
    expect(receiptFileName(id)).toBe(`20260302T141500Z.ks_counties.${seed.slice(7, 15)}.json`);
    expect(runIdOfReceiptFile(receiptFileName(id))).toBe(id);
    expect(runIdOfReceiptFile('notes.json')).toBeUndefined();
    expect(runIdOfReceiptFile('20260302T141500Z.ks_counties.ab12cd34.txt')).toBeUndefined();
  });

  it('refuses a bad slug or date', () => {
    expect(() => runId(new Date(), 'KS Counties', seed)).toThrow(KfmError);
    expect(() => runId(new Date(), 'KS Counties', seed)).toThrow('cannot form a run id: invalid dataset slug "KS Counties"');
    expect(() => runId(new Date('nope'), 'ks', seed)).toThrow('cannot form a run id: invalid date');
    expect(() => receiptFileName('kfm://run/x')).toThrow('not a run id: "kfm://run/x"');
  });
});
