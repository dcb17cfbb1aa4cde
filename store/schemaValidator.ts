import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { distUrl } from '../core/distUrl.js';

const compiled = new Map<string, ValidateFunction>();

/**
 * A validator for one of kfm's schemas (`schemas/<name>.schema.json`): returns the problems
 * as `<instancePath> <message>` (`/` for the root), empty when the value is valid. ajv loads
 * on first use, synchronously (it is CommonJS), so commands that validate nothing never pay
 * for it.
 */
export function schemaValidator(name: string): (value: unknown) => string[] {
  return (value) => {
    let validate = compiled.get(name);
    if (!validate) {
      const require = createRequire(import.meta.url);
      const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
      const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
      // The schema itself is checked against the 2020-12 meta-schema by the tests
      // (test/store/schemaValidator.test.ts); compiling the meta-schema here would cost more
      // than everything else `kfm check` does.
      const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, logger: false, validateSchema: false });
      addFormats(ajv);
      validate = ajv.compile(JSON.parse(readFileSync(schemaUrl(name), 'utf8')) as object);
      compiled.set(name, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : e.keyword === 'enum'
            ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
            : e.keyword === 'const'
              ? ` (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})`
              : '';
      return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
    });
  };
}

/** `schemas/<name>.schema.json` of this kfm, from source (tests) or from `dist/`. */
function schemaUrl(name: string): URL {
  return new URL(`../schemas/${name}.schema.json`, distUrl(''));
}
