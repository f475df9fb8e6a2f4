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

export function assertSse(ctx: ScenarioContext, status: number, contentType: string, release: () => void): void {
  if (status === 200 && contentType.toLowerCase().startsWith('text/event-stream')) return;
  release();
  throw new ScenarioError(
    status !== 200
      ? `GET ${ctx.origin.path} answered ${status}, not 200${status === 500 ? ' (the handler threw)' : ''}`
      : `GET ${ctx.origin.path} answered content-type '${contentType || 'none'}', not text/event-stream`,
    'measure',
    { code: status !== 200 ? 'SSE_SOAK_BAD_STATUS' : 'SSE_SOAK_NOT_SSE' },
  );
}
