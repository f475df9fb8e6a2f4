import { type HttpStream, openHttpStream } from '../clients/http-stream.ts';
import { ScenarioError } from '../errors/scenario-error.ts';
import type { WireRequest } from '../clients/wire-request.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * Opens stream `i` the way every scenario does (the target's request) and waits until it is
 * established: its first event, or its response for a stream that is quiet at connect. A
 * response that is not an SSE stream is the target's fault and says so.
 */
export function openEstablished(ctx: ScenarioContext, i: number): Promise<HttpStream> {
  return openEstablishedWith(ctx, ctx.request(i));
}

/** The same, with a request made by the caller (a scenario's probe asks for its own). */
export async function openEstablishedWith(
  ctx: Pick<ScenarioContext, 'url' | 'origin' | 'settings' | 'establish'>,
  request: WireRequest,
): Promise<HttpStream> {
  const stream = await openHttpStream(ctx.url, { timeoutMs: ctx.settings.connectionTimeoutMs, request });
  assertSse(ctx, stream.status, stream.contentType, () => stream.disconnect('fin'), request.method);
  if (ctx.establish.atResponse) return stream;
  await stream.events.next(ctx.establish.firstEvent, ctx.settings.connectionTimeoutMs).catch((error: Error) => {
    stream.disconnect('fin');
    throw new ScenarioError(`${request.method} ${ctx.origin.path}: ${error.message}`, 'measure', {
      code: 'SSE_SOAK_NO_EVENT',
      cause: error,
    });
  });
  return stream;
}

/** The client options of connection `i`: its request, when it is established, its deadline. */
export function clientOptions(ctx: ScenarioContext, i: number) {
  return { ...ctx.establish, request: ctx.request(i), timeoutMs: ctx.settings.connectionTimeoutMs };
}

/** What is wrong with a response that should start an SSE stream, or undefined when nothing is. */
export function sseProblem(status: number, contentType: string): { message: string; code: string } | undefined {
  if (status !== 200) {
    return { message: `answered ${status}, not 200${status === 500 ? ' (the handler threw)' : ''}`, code: 'SSE_SOAK_BAD_STATUS' };
  }
  if (!contentType.toLowerCase().startsWith('text/event-stream')) {
    return { message: `answered content-type '${contentType || 'none'}', not text/event-stream`, code: 'SSE_SOAK_NOT_SSE' };
  }
  return undefined;
}

export function assertSse(
  ctx: Pick<ScenarioContext, 'origin'>,
  status: number,
  contentType: string,
  release: () => void,
  method = 'GET',
): void {
  const problem = sseProblem(status, contentType);
  if (!problem) return;
  release();
  throw new ScenarioError(`${method} ${ctx.origin.path} ${problem.message}`, 'measure', { code: problem.code });
}
