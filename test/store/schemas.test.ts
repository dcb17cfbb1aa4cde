/** Every schema in schemas/ is a valid JSON Schema 2020-12 document under ajv's strict mode (kfm compiles them without re-checking). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';

describe('schemas/', () => {
  it('holds valid, strict 2020-12 schemas with kfm.dev ids named after their files', () => {
    const names = readdirSync(join(REPO_ROOT, 'schemas')).filter((n) => n.endsWith('.schema.json'));
    expect(names).toEqual(expect.arrayContaining(['registry.schema.json', 'check-report.schema.json', 'receipts-verify-report.schema.json', 'status-report.schema.json', 'log-report.schema.json']));
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const schemas = names.map((name) => [name, JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', name), 'utf8')) as { $id: string }] as const);
    for (const [name, schema] of schemas) {
      expect(ajv.validateSchema(schema), `${name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      expect(schema.$id).toBe(`https://kfm.dev/schemas/${name}`);
      ajv.addSchema(schema);
    }
    // Compiled strictly only once all are known: some refer to others.
    for (const [name, schema] of schemas) expect(() => ajv.getSchema(schema.$id), name).not.toThrow();
  });
});
