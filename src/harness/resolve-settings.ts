import { UsageError } from '../errors/soak-error.ts';
import { type RunSettings, defaultSettings } from './defaults.ts';

const wholeNumbers: [keyof RunSettings, number][] = [
  ['connections', 1],
  ['warmup', 0],
  ['concurrency', 1],
  ['heapSamples', 2],
  ['heapLimitBytesPerConnection', 0],
  ['connectionTimeoutMs', 1],
  ['settleMs', 0],
  ['settleMaxMs', 0],
  ['idleTimeoutMs', 1],
  ['inProcessEvery', 0],
  ['sigtermMix', 0],
  ['sigtermOpen', 0],
  ['sigtermGraceMs', 1],
  ['sigtermDrainMs', 0],
];

/** Defaults overlaid with the caller's values, every one validated before a socket opens. */
export function resolveSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  for (const key of Object.keys(overrides)) {
    if (!(key in defaultSettings)) throw new UsageError(`unknown setting '${key}'`, { code: 'SSE_SOAK_BAD_SETTING' });
  }
  const settings = { ...defaultSettings, ...overrides };
  for (const [key, min] of wholeNumbers) {
    const v = settings[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new UsageError(`setting '${key}' must be a whole number >= ${min}, got ${JSON.stringify(v)}`, { code: 'SSE_SOAK_BAD_SETTING' });
    }
  }
  if (!Array.isArray(settings.sweepMs) || settings.sweepMs.length === 0 || settings.sweepMs.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new UsageError("setting 'sweepMs' must be a non-empty list of delays >= 0", { code: 'SSE_SOAK_BAD_SETTING' });
  }
  return settings;
}
