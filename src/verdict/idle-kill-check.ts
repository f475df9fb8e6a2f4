import type { Check } from '../report/report.ts';

/**
 * idle-kill proves that it killed streams: where its kills landed (before the response,
 * after it started and before the first event, mid-stream), and an error when none landed
 * after a response started, since then no cleanup path of the target was exercised.
 */
export function idleKillCheck(stats: Readonly<Record<string, number>>, idleTimeoutMs: number): Check {
  const before = stats.killedBeforeResponse ?? 0;
  const beforeFirst = stats.killedBeforeFirstEvent ?? 0;
  const mid = stats.killedMidStream ?? 0;
  const details = {
    killedBeforeResponse: before,
    killedBeforeFirstEvent: beforeFirst,
    killedMidStream: mid,
    endedByServer: stats.endedByServer ?? 0,
  };
  if (beforeFirst + mid > 0) return { meter: 'idle-kills', verdict: 'pass', final: beforeFirst + mid, details };
  return {
    meter: 'idle-kills',
    verdict: 'error',
    final: 0,
    details,
    reason:
      before > 0
        ? `could not measure: every kill (${before}) landed before the response started: the target's setup takes longer than the ${idleTimeoutMs} ms idle timeout, so no stream was ever killed; raise --idle-timeout above its setup time and below its keepalive period`
        : 'could not measure: no stream was killed by the idle timeout',
  };
}
