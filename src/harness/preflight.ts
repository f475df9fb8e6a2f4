import { openHttpStream } from '../clients/http-stream.ts';
import { TargetError } from '../errors/soak-error.ts';
import { sseProblem } from '../scenario/establish.ts';
import type { Target } from '../target/target.ts';

/**
 * One GET before any scenario: a path that answers 404, a handler that throws, a response
 * that is not an SSE stream or never starts would otherwise fail every scenario the same
 * way. Names the target, the phase and the cause.
 */
export async function preflight(name: string, target: Target, url: string, timeoutMs: number): Promise<void> {
  const fail = (cause: string, code: string): never => {
    throw new TargetError(`target ${name}: preflight: GET ${target.path} ${cause}`, { code });
  };
  let stream;
  try {
    stream = await openHttpStream(url, { timeoutMs });
  } catch (error) {
    return fail(`got no response within ${timeoutMs} ms (${(error as Error).message})`, 'SSE_SOAK_NO_RESPONSE');
  }
  try {
    const problem = sseProblem(stream.status, stream.contentType);
    if (problem) fail(problem.message, problem.code);
    await stream.events.next(target.firstEvent, timeoutMs).catch(() =>
      fail(`sent no ${target.firstEvent ? `'${target.firstEvent}' ` : ''}event within ${timeoutMs} ms`, 'SSE_SOAK_NO_EVENT'),
    );
  } finally {
    stream.disconnect('fin');
  }
}
