import { KfmError } from '../../core/error.js';
import { SLICE_RE, SLUG_RE } from '../../core/spec.js';
import { sliceProblem } from './sliceProblem.js';

const DVID_RE = /^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\.[0-9a-f]{8}(\.[0-9a-f]{8})?$/;

/** What `kfm receipts verify`, `kfm status` and `kfm log` narrow to: a dataset, one of its slices, or one version. */
export interface VersionTarget {
  slug: string;
  slice?: string;
  datasetVersionId?: string;
}

/** `ks_counties`, `ks_counties@2017` (a slice) or `ks_counties@2017.a50d8993` (a version). */
export function parseVersionTarget(text: string): VersionTarget {
  const at = text.indexOf('@');
  const slug = at < 0 ? text : text.slice(0, at);
  const rest = at < 0 ? undefined : text.slice(at + 1);
  if (text.includes('/') && SLUG_RE.test(text.slice(0, text.search(/[@/]/)))) {
    // A build's task target (ks_counties/qa): versions, receipts and the log are the dataset's.
    throw new KfmError('usage', `invalid target "${text}": a task target is for build, plan, explain, watch and graph; here name the dataset (${text.slice(0, text.search(/[@/]/))}), a slice or a version`);
  }
  if (!SLUG_RE.test(slug)) throw new KfmError('usage', `invalid target "${text}": the dataset slug must match ^[a-z0-9_]+$`);
  if (rest === undefined) return { slug };
  if (SLICE_RE.test(rest)) {
    const problem = sliceProblem(rest);
    if (problem) throw new KfmError('usage', `invalid target "${text}": ${problem}`);
    return { slug, slice: rest };
  }
  if (DVID_RE.test(rest)) {
    const problem = sliceProblem(rest.slice(0, rest.indexOf('.')));
    if (problem) throw new KfmError('usage', `invalid target "${text}": ${problem}`);
    return { slug, datasetVersionId: rest };
  }
  throw new KfmError('usage', `invalid target "${text}": after @ comes a slice (2017, 2017-06, 2017-06-30) or a dataset version id (2017.ab12cd34)`);
}

/** Whether a dataset version falls under the target. */
export function targetMatches(target: VersionTarget, slug: string | null, dvid: string | null): boolean {
  if (slug !== target.slug) return false;
  if (target.datasetVersionId !== undefined) return dvid === target.datasetVersionId;
  if (target.slice !== undefined) return dvid !== null && dvid.startsWith(`${target.slice}.`);
  return true;
}
