import { connect } from 'node:net';
import { GET_REQUEST, requestHead, type WireRequest } from './wire-request.ts';

export interface RawDisconnectResult {
  /** Whether any byte of the response had arrived when we left. */
  responseStarted: boolean;
}

/**
 * Writes the request (head and body, with its `content-length`) over a bare socket and leaves after `afterMs` (0: right after the write),
 * with FIN or RST. Nothing else can leave this early: an HTTP client library would not
 * give up before the response started. The socket is ours alone, so its close is the only
 * signal the server gets.
 */
export function requestThenLeave(
  target: { port: number; host?: string; path: string },
  afterMs: number,
  how: 'fin' | 'rst',
  request: WireRequest = GET_REQUEST,
): Promise<RawDisconnectResult> {
  const host = target.host ?? '127.0.0.1';
  return new Promise<RawDisconnectResult>((resolve, reject) => {
    let responseStarted = false;
    const socket = connect({ host, port: target.port, noDelay: true });
    socket.on('data', () => {
      responseStarted = true;
    });
    socket.once('error', (error) => reject(error));
    socket.once('connect', () => {
      const head = requestHead(request, host, target.port, target.path);
      socket.write(request.body ? Buffer.concat([Buffer.from(head), request.body]) : head, () => {
        const leave = () => {
          socket.removeAllListeners('error');
          socket.on('error', () => {});
          const started = responseStarted;
          if (how === 'rst') socket.resetAndDestroy();
          else socket.destroy();
          socket.once('close', () => resolve({ responseStarted: started }));
        };
        if (afterMs <= 0) leave();
        else setTimeout(leave, afterMs);
      });
    });
  });
}
