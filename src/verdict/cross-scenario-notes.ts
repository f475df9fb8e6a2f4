import type { ScenarioResult } from '../report/report.ts';

/**
 * Notes that need two scenarios to say. When only the in-process `aborted-request` leaks
 * and the wire's `pre-aborted` is clean, either the adapter rescued the wire disconnects
 * (node-server 2.x cancels a body it never read), or, on 1.19.x, the handler answered before
 * any client could leave (an MCP server's GET stream): a request already aborted when it
 * runs still leaks, which other adapters, runtimes and in-process callers give it.
 */
export function addCrossScenarioNotes(results: ScenarioResult[], adapterVersion: string | undefined): void {
  noteSetupKills(results);
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

const SETUP_KILLS = 'landed before the response started';

/**
 * idle-kill's proxy also kills a stream whose handler is still in its setup await (a slow
 * auth lookup, or a loaded machine): that client left before the response, which is
 * pre-aborted's disconnect. When idle-kill's leak is no larger than the kills that landed
 * there and pre-aborted leaks too, the leak is that one: both results say so (pre-aborted's
 * line is printed after the note is known, idle-kill's before).
 */
function noteSetupKills(results: ScenarioResult[]): void {
  const idle = results.find((r) => r.name === 'idle-kill');
  const wire = results.find((r) => r.name === 'pre-aborted');
  if (idle?.verdict !== 'fail' || wire?.verdict !== 'fail' || idle.notes?.some((n) => n.includes(SETUP_KILLS))) return;
  const before = idle.stats?.killedBeforeResponse ?? 0;
  const leaked = Math.max(0, ...idle.checks.filter((c) => c.verdict === 'fail').map((c) => c.leaked ?? 0));
  if (before === 0 || leaked === 0 || leaked > before) return;
  const note = `${before} of idle-kill's kills ${SETUP_KILLS}, while the handler was still in its setup await; its leak (${leaked}) is no larger than that, so it is the one pre-aborted shows: a client that leaves during the setup, not an idle stream`;
  idle.notes = [...(idle.notes ?? []), note];
  wire.notes = [...(wire.notes ?? []), note];
}
