import { defaultSettings } from '../harness/defaults.ts';

const wholeNumber = (minimum: number) => ({ type: 'integer', minimum });

/** JSON Schema of a config file's default export, checked with ajv before anything starts. */
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
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        Object.keys(defaultSettings).map((key) => [
          key,
          key === 'sweepMs' ? { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1 } : wholeNumber(0),
        ]),
      ),
    },
    reference: {
      type: 'object',
      additionalProperties: false,
      properties: { keepaliveMs: wholeNumber(1), setupMs: wholeNumber(0), settleMs: wholeNumber(0) },
    },
  },
} as const;
