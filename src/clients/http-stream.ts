import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { SseEventQueue } from './sse-events.ts';
import { GET_REQUEST, type WireRequest } from './wire-request.ts';

/** How a stream ended, as the client saw it. */
export type StreamEnd =
  /** The server ended the response properly (chunked terminator). */
  | 'clean'
  /** The connection closed under a response that had not ended. */
  | 'cut'
  /** We closed it ourselves. */
  | 'local';

export interface HttpStream {
  readonly socket: Socket;
  readonly status: number;
  readonly contentType: string;
  /** The `Allow` header of a 405. */
  readonly allow?: string;
  /** The response's `content-encoding` (gzip, deflate, br), when it has one; its events are decoded. */
  readonly contentEncoding?: string;
  readonly events: SseEventQueue;
  readonly ended: Promise<StreamEnd>;
  /** Close our side: FIN, or RST when `reset`. */
  disconnect(how: 'fin' | 'rst'): void;
}

export class StreamOpenError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; timedOut?: boolean },
  ) {
    super(message, options);
    this.name = 'StreamOpenError';
    this.timedOut = options?.timedOut ?? false;
  }
  /** No response headers came within the timeout (the request itself went out). */
  readonly timedOut: boolean;
}

/**
 * One SSE stream over node:http with its own socket (no agent, no pooling), so that the
 * client can end it with destroy() (FIN) or resetAndDestroy() (RST) as a real peer would.
 * Resolves once the response headers arrived.
 */
export function openHttpStream(url: string, options: { timeoutMs?: number; request?: WireRequest } = {}): Promise<HttpStream> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const wire = options.request ?? GET_REQUEST;
  return new Promise<HttpStream>((resolve, reject) => {
    const headers = wire.body ? { ...wire.headers, 'content-length': String(wire.body.byteLength) } : wire.headers;
    const req = request(url, { agent: false, method: wire.method, headers });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new StreamOpenError(`no response headers within ${timeoutMs} ms`, undefined, { timedOut: true }));
    }, timeoutMs);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(new StreamOpenError(`request failed: ${error.message}`, undefined, { cause: error }));
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      const socket = res.socket;
      const events = new SseEventQueue();
      let local = false;
      const ended = new Promise<StreamEnd>((resolveEnd) => {
        res.once('end', () => resolveEnd(local ? 'local' : 'clean'));
        res.once('close', () => {
          // 'close' without a complete body: the connection went away under us.
          resolveEnd(local ? 'local' : res.complete ? 'clean' : 'cut');
          events.close(new Error('stream ended'));
        });
      });
      // A compressed stream (asked for with accept-encoding) is decoded as it comes, each
      // flushed block as soon as it arrives, as browsers and fetch do.
      const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
      const flush = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
      const decoder =
        encoding === 'gzip' || encoding === 'x-gzip'
          ? createGunzip(flush)
          : encoding === 'deflate'
            ? createInflate(flush)
            : encoding === 'br'
              ? createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH })
              : undefined;
      if (decoder) {
        decoder.on('data', (chunk: Buffer) => events.feed(chunk));
        decoder.on('error', () => {});
        res.pipe(decoder);
      } else res.on('data', (chunk: Buffer) => events.feed(chunk));
      res.on('error', () => {});
      req.on('error', () => {});
      resolve({
        socket,
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        allow: res.headers.allow,
        ...(decoder ? { contentEncoding: encoding } : {}),
        events,
        ended,
        disconnect(how) {
          local = true;
          if (how === 'rst') socket.resetAndDestroy();
          else socket.destroy();
        },
      });
    });
    req.end(wire.body);
  });
}
