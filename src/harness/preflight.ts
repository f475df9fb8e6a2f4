import { type HttpStream, openHttpStream } from '../clients/http-stream.ts';
import type { Establish } from '../clients/wire-request.ts';
import { SoakError, TargetError } from '../errors/soak-error.ts';
import { inHarness } from '../meters/async-owner.ts';
import type { Establishment } from '../report/report.ts';
import { sseProblem } from '../scenario/establish.ts';
import type { Target } from '../target/target.ts';
import { describeThrown } from '../verdict/crash-summary.ts';
import type { RequestSource } from './request-source.ts';

/**
 * How long the preflight waits for an event at connect, when the target names no
 * `firstEvent`: a stream whose first event comes later (a clock that ticks once a second, a
 * notification stream that is quiet until something happens, a `:)` comment first) is
 * established once its response has started, so that no scenario waits for it per wave.
 */
export const AT_CONNECT_MS = 500;

/** What the preflight found out: when this target's streams count as established. */
export interface PreflightResult {
  establish: Establish;
  establishment: Establishment;
}

/**
 * One request before any scenario: a path that answers 404, a handler that throws, a
 * response that is not an SSE stream or never starts would otherwise fail every scenario
 * the same way. Names the target, the phase and the cause; for a handler that threw, what
 * it threw and where, from the Error it logged (`loggedErrors`, the target's console). It
 * also finds out when a stream counts as established (CONTRACTS.md): at `firstEvent` when
 * the target names one; else at the first event when one comes at connect; else once the
 * response has started.
 */
export async function preflight(
  /** How errors name the target: "target <name>", "command `<argv>`". */
  subject: string,
  target: Target,
  url: string,
  requests: RequestSource,
  timeoutMs: number,
  loggedErrors: () => readonly Error[] = () => [],
): Promise<PreflightResult> {
  let method = requests.fixed?.method ?? 'GET';
  const fail = (cause: string, code: string): never => {
    throw new TargetError(`${subject}: preflight: ${method} ${target.path} ${cause}`, { code });
  };
  const before = loggedErrors().length;
  let stream: HttpStream;
  try {
    const request = await requests.next();
    method = request.method;
    stream = await inHarness(() => openHttpStream(url, { timeoutMs, request }));
  } catch (error) {
    if (error instanceof SoakError) throw new TargetError(`${subject}: preflight: ${error.message}`, { code: error.code, cause: error });
    return fail(`got no response within ${timeoutMs} ms (${(error as Error).message})`, 'SSE_SOAK_NO_RESPONSE');
  } finally {
    await requests.reset();
  }
  try {
    const problem = sseProblem(stream.status, stream.contentType);
    if (problem) {
      const thrown = stream.status >= 500 ? loggedErrors().slice(before).at(-1) : undefined;
      if (thrown) fail(`answered ${stream.status}, not 200: the handler threw ${describeThrown(thrown).line}`, problem.code);
      fail(`${problem.message}${requestHint(stream.status, stream.allow)}`, problem.code);
    }
    const started = performance.now();
    if (target.firstEvent) {
      await stream.events
        .next(target.firstEvent, timeoutMs)
        .catch(() => fail(`sent no '${target.firstEvent}' event within ${timeoutMs} ms (its 'firstEvent')`, 'SSE_SOAK_NO_EVENT'));
      return {
        establish: { firstEvent: target.firstEvent },
        establishment: { at: 'named-event', event: target.firstEvent, afterMs: Math.round(performance.now() - started) },
      };
    }
    const first = await stream.events.next(undefined, AT_CONNECT_MS).catch(() => undefined);
    if (first) return { establish: {}, establishment: { at: 'first-event', afterMs: Math.round(performance.now() - started) } };
    return { establish: { atResponse: true }, establishment: { at: 'response', quietMs: AT_CONNECT_MS } };
  } finally {
    stream.disconnect('fin');
  }
}

/** What to do about a status that says the request is wrong, naming the `request` option. */
function requestHint(status: number, allow: string | undefined): string {
  if (status === 401 || status === 403) {
    return ": the endpoint wants credentials; give them in the target's `request` (headers such as authorization or cookie, or a request function that makes fresh ones per connection)";
  }
  if (status === 405) {
    return `: the endpoint does not take this method${allow ? ` (it allows ${allow})` : ''}; set the method in the target's \`request\``;
  }
  if (status === 400 || status === 415 || status === 422) {
    return ": the endpoint rejected the request; if it wants a body or headers, give them in the target's `request`";
  }
  return '';
}
