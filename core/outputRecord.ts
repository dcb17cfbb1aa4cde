import type { Digest } from './digest.js';

/** One stored output of a node. */
export interface OutputRecord {
  /** The output's name, a relative path such as `counties.geojson` or `qa/validation_report.json`. */
  name: string;
  digest: Digest;
  size: number;
  media_type: string;
}
