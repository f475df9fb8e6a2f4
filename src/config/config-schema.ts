import { settingSchema, settingsTable } from '../settings/settings-table.ts';
import { skippableMeters } from '../verdict/check-policy.ts';

const wholeNumber = (minimum: number) => ({ type: 'integer', minimum });

/** JSON Schema of a config file's default export, checked with ajv before anything starts; `settings` from settings-table.ts. */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    target: { type: 'string', minLength: 1 },
    scenarios: { type: 'array', items: { type: 'string' }, minItems: 1 },
    connections: wholeNumber(1),
    reportDir: { type: 'string', minLength: 1 },
    adapter: { enum: ['auto', 'project', 'bundled'] },
    thresholds: {
      type: 'object',
      additionalProperties: false,
      properties: { heapBytesPerConnection: { type: 'number', minimum: 0 } },
    },
    skipChecks: { type: 'array', items: { anyOf: [{ enum: [...skippableMeters] }, { type: 'string', pattern: '^gauge:.+' }] } },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(settingsTable.map((spec) => [spec.key, settingSchema(spec)])),
    },
    reference: {
      type: 'object',
      additionalProperties: false,
      properties: { keepaliveMs: wholeNumber(1), setupMs: wholeNumber(0), settleMs: wholeNumber(0) },
    },
  },
} as const;
