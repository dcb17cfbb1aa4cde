import type { Digest } from './digest.js';
import type { JsonObject } from './json.js';

/** The zones of CONTRACTS.md. A task's outputs land in its zone's part of the `data/` tree. */
export type Zone = 'raw' | 'work' | 'processed' | 'catalog' | 'published' | 'quarantine';

/** What a task does, as its run receipt names it (CONTRACTS.md "Run receipt"). */
export type TaskOperation = 'ingest' | 'transform' | 'qa';
export const TASK_OPERATIONS: readonly TaskOperation[] = ['ingest', 'transform', 'qa'];

export const SLUG_RE = /^[a-z0-9_]+$/;
/** A slice: `2017`, `2017-06` or `2017-06-30`. */
export const SLICE_RE = /^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$/;
/** A task name inside a dataset. */
export const TASK_NAME_RE = /^[a-z0-9_][a-z0-9_-]*$/;

/** A QA check and its threshold, e.g. `{ name: 'geometry_valid', threshold: '>= 0.999' }`. */
export interface ValidationCheck {
  name: string;
  threshold: string | number;
}

/** The dataset spec of CONTRACTS.md ("Identity"), shaped like the onboarding spec. */
export interface DatasetSpec {
  kfm_spec_version: string;
  dataset_slug: string;
  title: string;
  description?: string;
  upstream: {
    authority: string;
    access_method: string;
    endpoints: { name: string; url: string; parameters?: JsonObject }[];
    cadence: string;
    terms_snapshot: { license: string; attribution?: string };
  };
  sensitivity: {
    policy_label_intent: string;
    pii_risk: string;
    sensitive_location_risk: string;
    obligations: string[];
  };
  normalization: {
    canonical_fields: string[];
    units?: JsonObject;
    crs: string;
  };
  validation: { checks: ValidationCheck[] };
  outputs: { artifact_type: string; path: string }[];
  [extra: string]: unknown;
}

/** Task name → the files of its code, `[label, digest]` sorted by label (what `/tasks/<i>/code` digests). */
export type TaskCode = Record<string, [string, Digest][]>;
