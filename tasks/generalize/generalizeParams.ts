import { GENERALIZATION_METHOD_PATTERN } from '../../core/generalizationMethod.js';

/** JSON Schema (draft-07) of GeneralizeParams. */
export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['artifact', 'output', 'generalization_method'],
  properties: {
    artifact: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
    generalization_method: { type: 'string', pattern: GENERALIZATION_METHOD_PATTERN },
    write: { type: 'string', minLength: 1 },
    properties: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
    admin_units: {
      type: 'object',
      additionalProperties: false,
      required: ['artifact', 'output', 'id_field'],
      properties: {
        artifact: { type: 'string', minLength: 1 },
        output: { type: 'string', minLength: 1 },
        id_field: { type: 'string', minLength: 1 },
      },
    },
  },
};
