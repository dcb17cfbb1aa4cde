/** The JSON Schemas of kfm's --json reports (schemas/*.schema.json), compiled once with ajv. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';

export type ReportKind = 'build' | 'plan' | 'explain' | 'error' | 'check' | 'receipts-verify' | 'receipts-head' | 'status' | 'log' | 'promote' | 'approve' | 'validate' | 'fsck' | 'catalog' | 'graph' | 'receipts-show' | 'init' | 'gc' | 'clean' | 'rebuild' | 'rollback' | 'serve';

const KINDS: readonly ReportKind[] = ['build', 'plan', 'explain', 'error', 'check', 'receipts-verify', 'receipts-head', 'status', 'log', 'promote', 'approve', 'validate', 'fsck', 'catalog', 'graph', 'receipts-show', 'init', 'gc', 'clean', 'rebuild', 'rollback', 'serve'];

/** Schemas the reports refer to (`$ref`), loaded beside them. */
const REFERENCED = ['approval'];

function load(kind: ReportKind): { $id: string } & Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', `${kind}-report.schema.json`), 'utf8')) as { $id: string };
}

let validators: Map<ReportKind, ValidateFunction> | undefined;

function validatorFor(kind: ReportKind): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    for (const name of REFERENCED) ajv.addSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as object);
    const schemas = KINDS.map((k) => [k, load(k)] as const);
    for (const [, schema] of schemas) ajv.addSchema(schema);
    validators = new Map(schemas.map(([k, schema]) => [k, ajv.getSchema(schema.$id)!]));
  }
  return validators.get(kind)!;
}

/** The schema's $id, e.g. https://kfm.dev/schemas/build-report.schema.json. */
export function schemaId(kind: ReportKind): string {
  return load(kind).$id;
}

/** Asserts that a parsed report matches its schema (the ajv errors are the failure message). */
export function expectValidReport(kind: ReportKind, document: unknown): void {
  const validate = validatorFor(kind);
  const valid = validate(document);
  expect(valid ? [] : validate.errors, `${kind} report does not match schemas/${kind}-report.schema.json`).toEqual([]);
}

/** Whether a document matches (for negative checks of the schemas themselves). */
export function isValidReport(kind: ReportKind, document: unknown): boolean {
  return validatorFor(kind)(document) as boolean;
}
