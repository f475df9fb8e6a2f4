import { type HttpStream, openHttpStream } from '../clients/http-stream.ts';
import { TargetError } from '../errors/soak-error.ts';
import { inHarness } from '../meters/async-owner.ts';
import { attribute, parseStack } from '../meters/call-site.ts';
import { defaultOwnerRules } from '../meters/owner-rules.ts';
import { sseProblem } from '../scenario/establish.ts';
import type { Target } from '../target/target.ts';

/**
 * One GET before any scenario: a path that answers 404, a handler that throws, a response
 * that is not an SSE stream or never starts would otherwise fail every scenario the same
 * way. Names the target, the phase and the cause; for a handler that threw, what it threw
 * and where, from the Error it logged (`loggedErrors`, the target's console).
 */
export async function preflight(
  name: string,
  target: Target,
  url: string,
  timeoutMs: number,
  loggedErrors: () => readonly Error[] = () => [],
): Promise<void> {
  const fail = (cause: string, code: string): never => {
    throw new TargetError(`target ${name}: preflight: GET ${target.path} ${cause}`, { code });
  };
  const before = loggedErrors().length;
  let stream: HttpStream;
  try {
    stream = await inHarness(() => openHttpStream(url, { timeoutMs }));
  } catch (error) {
    return fail(`got no response within ${timeoutMs} ms (${(error as Error).message})`, 'SSE_SOAK_NO_RESPONSE');
  }
  try {
    const problem = sseProblem(stream.status, stream.contentType);
    if (problem) {
      const thrown = stream.status >= 500 ? loggedErrors().slice(before).at(-1) : undefined;
      fail(thrown ? `answered ${stream.status}, not 200: the handler threw ${describeThrown(thrown)}` : problem.message, problem.code);
    }
    await stream.events
      .next(target.firstEvent, timeoutMs)
      .catch(() => fail(`sent no ${target.firstEvent ? `'${target.firstEvent}' ` : ''}event within ${timeoutMs} ms`, 'SSE_SOAK_NO_EVENT'));
  } finally {
    stream.disconnect('fin');
  }
}

/** `Error: boom at src/app.ts:12`: the thrown message and the user's line that threw it. */
export function describeThrown(error: Error): string {
  const site = attribute(parseStack(error.stack), defaultOwnerRules).site;
  const first = `${error.name}: ${error.message.split('\n')[0]}`;
  return site ? `${first} at ${site}` : first;
}
