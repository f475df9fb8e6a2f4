import type { ScenarioResult } from '../report/report.ts';

/**
 * Notes that need two scenarios to say. When only the in-process `aborted-request` leaks
 * and the wire's `pre-aborted` is clean, the adapter rescued the wire disconnects (node-server
 * 2.x cancels a body it never read); the handler still depends on that rescue, which other
 * adapters, runtimes and in-process callers do not give.
 */
export function addCrossScenarioNotes(results: ScenarioResult[], adapterVersion: string | undefined): void {
  const inProcess = results.find((r) => r.name === 'aborted-request');
  const wire = results.find((r) => r.name === 'pre-aborted');
  if (inProcess?.verdict !== 'fail' || wire?.verdict !== 'pass' || inProcess.notes?.length) return;
  const wireCount = wire.connections;
  inProcess.notes = [
    ...(inProcess.notes ?? []),
    `only the in-process contract leaks: none of the ${wireCount} wire disconnects of pre-aborted leaked on @hono/node-server ${adapterVersion ?? '?'}, which cancels a response body it never read; the handler's cleanup depends on that (on 1.19.x, other adapters and runtimes it leaks on the wire too)`,
  ];
}
