import type { ScenarioResult } from '../report/report.ts';

/**
 * Notes that need two scenarios to say. When only the in-process `aborted-request` leaks
 * and the wire's `pre-aborted` is clean, either the adapter rescued the wire disconnects
 * (node-server 2.x cancels a body it never read), or, on 1.19.x, the handler answered before
 * any client could leave (an MCP server's GET stream): a request already aborted when it
 * runs still leaks, which other adapters, runtimes and in-process callers give it.
 */
export function addCrossScenarioNotes(results: ScenarioResult[], adapterVersion: string | undefined): void {
  const inProcess = results.find((r) => r.name === 'aborted-request');
  const wire = results.find((r) => r.name === 'pre-aborted');
  if (inProcess?.verdict !== 'fail' || wire?.verdict !== 'pass' || inProcess.notes?.length) return;
  const wireCount = wire.connections;
  const adapter = `@hono/node-server ${adapterVersion ?? '?'}`;
  // 1.19.x cancels only a body it started reading: its wire is clean when every client left
  // after the response had started (a handler that answers before any await).
  const why = adapterVersion?.startsWith('1.')
    ? `${adapter}, where the handler answers before the clients could leave, and a response that started is cancelled when its client goes; a request already aborted when the handler runs (in-process callers, other runtimes, a client that leaves during a setup await) leaks`
    : `${adapter}, which cancels a response body it never read; the handler's cleanup depends on that (on 1.19.x, other adapters and runtimes it leaks on the wire too)`;
  inProcess.notes = [
    ...(inProcess.notes ?? []),
    `only the in-process contract leaks: none of the ${wireCount} wire disconnects of pre-aborted leaked on ${why}`,
  ];
}
