import { UsageError } from '../errors/soak-error.ts';
import { settingProblem, settingsTable } from '../settings/settings-table.ts';
import { type RunSettings, defaultSettings } from './defaults.ts';

/** Defaults overlaid with the caller's values, every one validated (settings-table.ts) before a socket opens. */
export function resolveSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  for (const key of Object.keys(overrides)) {
    if (!(key in defaultSettings)) throw new UsageError(`unknown setting '${key}'`, { code: 'SSE_SOAK_BAD_SETTING' });
  }
  const settings = { ...defaultSettings, ...overrides };
  for (const spec of settingsTable) {
    const problem = settingProblem(spec, settings[spec.key]);
    if (problem)
      throw new UsageError(`setting '${spec.key}' ${problem}, got ${JSON.stringify(settings[spec.key])}`, { code: 'SSE_SOAK_BAD_SETTING' });
  }
  return settings;
}
