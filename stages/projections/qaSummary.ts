import { KfmError } from '../../core/error.js';
import type { FeatureSource } from './versionFeatures.js';
import type { QaSummary } from './projectedVersion.js';
import type { ChecksumsEntry } from './versionChecksums.js';

/** The path of a version's validation report among its files. */
export const QA_REPORT_PATH = 'qa/validation_report.json';

/**
 * The QA summary of a version: its validation report's status and checks, read from the
 * content store by digest. A version without a report: `status: 'none'`.
 */
export async function qaSummary(store: FeatureSource, files: ChecksumsEntry[]): Promise<QaSummary> {
  const entry = files.find((f) => f.path === QA_REPORT_PATH);
  if (!entry) return { status: 'none', checks: [], report_digest: null };
  let report: { status?: unknown; reports?: unknown };
  try {
    report = JSON.parse((await store.get(entry.digest)).toString('utf8')) as typeof report;
  } catch (e) {
    if (e instanceof KfmError) throw e;
    throw new KfmError('store', `${QA_REPORT_PATH} (${entry.digest}) is not JSON: ${(e as Error).message}`);
  }
  const checks = (Array.isArray(report.reports) ? (report.reports as Record<string, unknown>[]) : []).map((r) => ({
    name: String(r.name),
    status: String(r.status),
    ...(typeof r.value === 'number' ? { value: r.value } : {}),
  }));
  return { status: typeof report.status === 'string' ? report.status : 'unknown', checks, report_digest: entry.digest };
}
