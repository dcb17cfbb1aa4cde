import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../core/digest.js';
import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import type { Evidence, QaFindings } from './promotionEvidence.js';

/** Where a QA node writes its report, under the version's zone directory. */
export const QA_REPORT = 'qa/validation_report.json';

/**
 * The version's QA report: `data/quarantine/<slug>/<dvid>/qa/validation_report.json` for a
 * quarantined version, else `data/processed/<slug>/<dvid>/qa/validation_report.json`.
 * `missing` when there is none; `error` when it is not a validation report.
 */
export function qaFindings(dataDir: string, slug: string, dvid: string, status: DatasetVersionStatus): Evidence<QaFindings> {
  const zones = status === 'quarantined' ? ['quarantine', 'processed'] : ['processed'];
  for (const zone of zones) {
    const rel = `${zone}/${slug}/${dvid}/${QA_REPORT}`;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dataDir, rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { status: 'error', message: `cannot read data/${rel}: ${(e as Error).message}` };
    }
    let doc: { status?: unknown; reports?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
    } catch (e) {
      return { status: 'error', message: `data/${rel} is not JSON: ${(e as Error).message}` };
    }
    const reports = Array.isArray(doc.reports) ? (doc.reports as QaFindings['reports']) : undefined;
    if ((doc.status !== 'pass' && doc.status !== 'fail') || !reports?.every((r) => typeof r?.name === 'string' && (r.status === 'pass' || r.status === 'fail'))) {
      return { status: 'error', message: `data/${rel} is not a validation report (status pass|fail, reports[{name, status}])` };
    }
    return { status: 'ok', value: { path: `data/${rel}`, digest: sha256(bytes), status: doc.status, reports } };
  }
  return { status: 'missing', message: `no data/${zones.map((z) => `${z}/${slug}/${dvid}/${QA_REPORT}`).join(' or data/')}` };
}
