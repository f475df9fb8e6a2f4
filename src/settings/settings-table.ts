import type { RunSettings } from '../harness/defaults.ts';

/** One setting of a run: how it is validated, and its command-line flag if it has one. */
export interface SettingSpec {
  key: keyof RunSettings;
  /** `whole`: a whole number >= min; `delays`: a non-empty list of numbers >= min. */
  type: 'whole' | 'delays';
  min: number;
  /** `--flag <value>`, where the CLI offers one (commander validates it the same way). */
  flag?: { name: string; value: string; help: string };
}

/**
 * Every run setting, once: the config file's JSON Schema (config-schema.ts), the library's
 * validation (resolve-settings.ts) and the CLI's flags (cli/commands/run.ts) come from this
 * table, so that the three can never disagree about what a valid value is.
 */
export const settingsTable: readonly SettingSpec[] = [
  {
    key: 'connections',
    type: 'whole',
    min: 1,
    flag: { name: 'connections', value: 'n', help: 'the most measured connections per scenario: each stops once its checks are decided' },
  },
  { key: 'warmup', type: 'whole', min: 0 },
  { key: 'scenarioWarmup', type: 'whole', min: 0 },
  { key: 'concurrency', type: 'whole', min: 1 },
  { key: 'heapSamples', type: 'whole', min: 2 },
  {
    key: 'heapLimitBytesPerConnection',
    type: 'whole',
    min: 0,
    flag: { name: 'heap-limit', value: 'bytes', help: 'heap check: bytes per connection' },
  },
  {
    key: 'connectionTimeoutMs',
    type: 'whole',
    min: 1,
    flag: { name: 'timeout', value: 'ms', help: "deadline for one connection, and for the target's first answer" },
  },
  { key: 'settleMs', type: 'whole', min: 0 },
  { key: 'settleMaxMs', type: 'whole', min: 0 },
  { key: 'idleTimeoutMs', type: 'whole', min: 1, flag: { name: 'idle-timeout', value: 'ms', help: "idle-kill: the proxy's idle timeout" } },
  { key: 'sweepMs', type: 'delays', min: 0 },
  {
    key: 'reconnectRounds',
    type: 'whole',
    min: 1,
    flag: { name: 'reconnect-rounds', value: 'n', help: "reconnect: how many times each client's connection is dropped" },
  },
  { key: 'stallStreams', type: 'whole', min: 1 },
  { key: 'stallMaxFillMs', type: 'whole', min: 1 },
  { key: 'sigtermMix', type: 'whole', min: 0 },
  { key: 'sigtermOpen', type: 'whole', min: 0 },
  { key: 'sigtermGraceMs', type: 'whole', min: 1 },
  { key: 'sigtermDrainMs', type: 'whole', min: 0 },
];

/** The JSON Schema of one setting's value (config files). */
export function settingSchema(spec: SettingSpec): object {
  return spec.type === 'delays'
    ? { type: 'array', items: { type: 'number', minimum: spec.min }, minItems: 1 }
    : { type: 'integer', minimum: spec.min };
}

/** Why `value` is not valid for `spec`, or undefined when it is. */
export function settingProblem(spec: SettingSpec, value: unknown): string | undefined {
  if (spec.type === 'delays') {
    return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= spec.min)
      ? undefined
      : `must be a non-empty list of delays >= ${spec.min}`;
  }
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= spec.min
    ? undefined
    : `must be a whole number >= ${spec.min}`;
}
