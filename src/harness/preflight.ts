import { type HttpStream, openHttpStream, StreamOpenError } from '../clients/http-stream.ts';
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
      fail(`${problem.message}${requestHint(stream.status, stream.allow, subject.startsWith('command '))}`, problem.code);
    }
    const started = performance.now();
    let found: PreflightResult;
    if (target.firstEvent) {
      await stream.events
        .next(target.firstEvent, timeoutMs)
        .catch(() => fail(`sent no '${target.firstEvent}' event within ${timeoutMs} ms (its 'firstEvent')`, 'SSE_SOAK_NO_EVENT'));
      found = {
        establish: { firstEvent: target.firstEvent },
        establishment: { at: 'named-event', event: target.firstEvent, afterMs: Math.round(performance.now() - started) },
      };
    } else {
      const first = await stream.events.next(undefined, AT_CONNECT_MS).catch(() => undefined);
      if (!first) return { establish: { atResponse: true }, establishment: { at: 'response', quietMs: AT_CONNECT_MS } };
      found = { establish: {}, establishment: { at: 'first-event', afterMs: Math.round(performance.now() - started) } };
    }
    stream.disconnect('fin');
    const held = await heldBackWhenCompressed(url, requests, target.firstEvent, target.firstEvent ? timeoutMs : 2 * AT_CONNECT_MS);
    if (held) fail(held, 'SSE_SOAK_COMPRESSED_STREAM');
    return found;
  } finally {
    stream.disconnect('fin');
  }
}

/** What browsers' EventSource and fetch ask for. */
export const BROWSER_ENCODINGS = 'gzip, deflate, br';

/**
 * A stream that sent its first event at once, asked again as a browser asks, with
 * accept-encoding: a compression middleware in front of it that compresses
 * text/event-stream too (Express's `compression` does; hono's `compress()` does not) holds
 * the bytes in its buffer until the buffer fills or the response ends, unless the server
 * flushes after every event. Its users' browsers then get nothing; the scenarios' fetch and EventSource
 * clients, which ask for compression as browsers do, would fail on every connection.
 * Undefined when the events come (compressed and flushed, or not compressed), or when the
 * target's request names its own accept-encoding.
 */
async function heldBackWhenCompressed(
  url: string,
  requests: RequestSource,
  firstEvent: string | undefined,
  waitMs: number,
): Promise<string | undefined> {
  const asked = `asked as browsers and fetch ask (accept-encoding: ${BROWSER_ENCODINGS})`;
  const advice =
    "compression holds the stream's bytes back until its buffer fills; flush after every event (the compression middleware's res.flush()) or leave text/event-stream uncompressed";
  let stream: HttpStream;
  try {
    const request = await requests.next();
    if (Object.keys(request.headers).some((h) => h.toLowerCase() === 'accept-encoding')) return undefined;
    stream = await inHarness(() =>
      openHttpStream(url, {
        timeoutMs: waitMs,
        request: { ...request, headers: { ...request.headers, 'accept-encoding': BROWSER_ENCODINGS } },
      }),
    );
  } catch (error) {
    // Express's compression sends the headers with the first compressed bytes: none at all.
    if (error instanceof StreamOpenError && error.timedOut)
      return `sent its first event at once, but ${asked} it answered nothing, not even its headers, within ${waitMs} ms: ${advice}`;
    return undefined; // The plain request answered; this one only asks about compression.
  } finally {
    await requests.reset();
  }
  try {
    if (!stream.contentEncoding) return undefined;
    if (
      await stream.events.next(firstEvent, waitMs).then(
        () => true,
        () => false,
      )
    )
      return undefined;
    return `sent its first event at once, but ${asked} it answered content-encoding ${stream.contentEncoding} and no event within ${waitMs} ms: ${advice}`;
  } finally {
    stream.disconnect('fin');
  }
}

/** What to do about a status that says the request is wrong, naming the option that sets it: a target's `request`, a command's flags. */
function requestHint(status: number, allow: string | undefined, command: boolean): string {
  if (status === 401 || status === 403) {
    return command
      ? ": the endpoint wants credentials; give them with --header (such as 'authorization: Bearer …' or a cookie), or with --request <module> whose function makes fresh ones per connection"
      : ": the endpoint wants credentials; give them in the target's `request` (headers such as authorization or cookie, or a request function that makes fresh ones per connection)";
  }
  if (status === 405) {
    return `: the endpoint does not take this method${allow ? ` (it allows ${allow})` : ''}; set the method ${command ? 'with --method' : "in the target's `request`"}`;
  }
  if (status === 400 || status === 415 || status === 422) {
    return `: the endpoint rejected the request; if it wants a body or headers, give them ${command ? 'with --body and --header, or --request <module>' : "in the target's `request`"}`;
  }
  return '';
}
