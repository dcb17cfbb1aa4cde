import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { sha256 } from '../../core/digest.js';
import { verifyDataTree } from '../../store/ledger/verifyDataTree.js';

let dataDir: string;
const dir = 'processed/ks/2019.abcdef12';
const files: Record<string, string> = { 'ks.geojson': '{"type":"FeatureCollection","features":[]}', 'qa/validation_report.json': '{"status":"pass"}' };

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'kfm-datatree-'));
  for (const [name, text] of Object.entries(files)) write(`${dir}/${name}`, text);
  write(
    `${dir}/checksums.json`,
    JSON.stringify({
      kfm_checksums_version: 'v1',
      dataset_slug: 'ks',
      dataset_version_id: '2019.abcdef12',
      files: Object.entries(files).map(([path, text]) => ({ path, digest: sha256(text), size: Buffer.byteLength(text), media_type: 'application/json' })),
    }),
  );
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(dataDir, rel)), { recursive: true });
  writeFileSync(join(dataDir, rel), text);
}

const claims = () => Object.entries(files).map(([name, text], i) => ({ seq: i + 1, path: `${dir}/${name}`, digest: sha256(text) }));

it('an intact tree has no problems', () => {
  expect(verifyDataTree(dataDir, claims())).toEqual([]);
});

it('a replaced QA report, a missing GeoJSON and an unlisted nested file', () => {
  unlinkSync(join(dataDir, dir, 'qa/validation_report.json'));
  write(`${dir}/qa/validation_report.json`, '{"status":"fail"}');
  unlinkSync(join(dataDir, dir, 'ks.geojson'));
  write(`${dir}/qa/extra.json`, '{}');
  const problems = verifyDataTree(dataDir, claims()).map((p) => [p.seq, p.reason, p.file]);
  expect(problems).toEqual([
    [1, 'data-file-missing', `data/${dir}/ks.geojson`],
    [2, 'data-file-mismatch', `data/${dir}/qa/validation_report.json`],
    [null, 'data-file-missing', `data/${dir}/ks.geojson`],
    [null, 'data-file-mismatch', `data/${dir}/qa/validation_report.json`],
    [null, 'data-file-unlisted', `data/${dir}/qa/extra.json`],
  ]);
});

it('a checksums.json that does not describe its version', () => {
  write(`${dir}/checksums.json`, JSON.stringify({ dataset_slug: 'other', dataset_version_id: '2019.abcdef12', files: [] }));
  expect(verifyDataTree(dataDir, []).map((p) => [p.reason, p.problem])).toEqual([
    ['checksums-invalid', `data/${dir}/checksums.json does not describe ks@2019.abcdef12 (dataset_slug, dataset_version_id and files)`],
  ]);
});

it("checks a quarantined version's checksums.json under data/quarantine/ as it checks data/processed/", () => {
  const q = 'quarantine/few/2020.12345678';
  const report = '{"status":"fail"}';
  write(`${q}/qa/validation_report.json`, report);
  write(
    `${q}/checksums.json`,
    JSON.stringify({ kfm_checksums_version: 'v1', dataset_slug: 'few', dataset_version_id: '2020.12345678', files: [{ path: 'qa/validation_report.json', digest: sha256(report), size: report.length, media_type: 'application/json' }] }),
  );
  expect(verifyDataTree(dataDir, [])).toEqual([]);
  unlinkSync(join(dataDir, q, 'qa/validation_report.json'));
  write(`${q}/qa/validation_report.json`, '{"status":"pass"}');
  write(`${q}/extra.geojson`, '{}');
  expect(verifyDataTree(dataDir, []).map((p) => [p.reason, p.file])).toEqual([
    ['data-file-mismatch', `data/${q}/qa/validation_report.json`],
    ['data-file-unlisted', `data/${q}/extra.geojson`],
  ]);
});
