import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../report/report.ts';
import { addCrossScenarioNotes } from './cross-scenario-notes.ts';

const result = (name: string, verdict: ScenarioResult['verdict'], leaked: number, stats: Record<string, number> = {}): ScenarioResult => ({
  name,
  verdict,
  connections: 100,
  durationMs: 1,
  checks: [{ meter: 'timers', verdict: verdict === 'fail' ? 'fail' : 'pass', ...(leaked ? { leaked } : {}) }],
  stats,
});

describe('idle-kill kills that landed during the setup await', () => {
  it.each([
    ['a leak within the setup kills, pre-aborted failing', 3, 5, 'fail', true],
    ['a leak within the setup kills, pre-aborted passing', 3, 5, 'pass', false],
    ['a leak larger than the setup kills', 8, 5, 'fail', false],
    ['no kill before the response', 3, 0, 'fail', false],
  ] as const)('%s: noted %s', (_, leaked, before, wireVerdict, noted) => {
    const idle = result('idle-kill', 'fail', leaked, { killedBeforeResponse: before, killedMidStream: 100 - before });
    const wire = result('pre-aborted', wireVerdict, wireVerdict === 'fail' ? 40 : 0);
    const results = [idle];
    addCrossScenarioNotes(results, '1.19.14');
    expect(idle.notes).toBeUndefined();
    results.push(wire);
    addCrossScenarioNotes(results, '1.19.14');
    addCrossScenarioNotes(results, '1.19.14');
    expect(idle.notes?.length ?? 0).toBe(noted ? 1 : 0);
    expect(wire.notes?.length ?? 0).toBe(noted ? 1 : 0);
    if (noted)
      expect(wire.notes![0]).toMatch(
        new RegExp(`^${before} of idle-kill's kills landed before the response started.*its leak \\(${leaked}\\)`),
      );
  });
});
