import { type HttpStream, openHttpStream } from '../clients/http-stream.ts';
import { ScenarioError } from '../errors/scenario-error.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * Opens a stream the way every scenario does and waits until it is established (its first
 * event). A response that is not an SSE stream is the target's fault and says so.
 */
export async function openEstablished(ctx: ScenarioContext): Promise<HttpStream> {
  const stream = await openHttpStream(ctx.url, { timeoutMs: ctx.settings.connectionTimeoutMs });
  assertSse(ctx, stream.status, stream.contentType, () => stream.disconnect('fin'));
  await stream.events.next(ctx.target.firstEvent, ctx.settings.connectionTimeoutMs).catch((error: Error) => {
    stream.disconnect('fin');
    throw new ScenarioError(`GET ${ctx.origin.path}: ${error.message}`, 'measure', { code: 'SSE_SOAK_NO_EVENT', cause: error });
  });
  return stream;
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

export function assertSse(ctx: ScenarioContext, status: number, contentType: string, release: () => void): void {
  const problem = sseProblem(status, contentType);
  if (!problem) return;
  release();
  throw new ScenarioError(`GET ${ctx.origin.path} ${problem.message}`, 'measure', { code: problem.code });
}
