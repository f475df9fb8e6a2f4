import type { AddressInfo, Socket } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { enterServedConnection, inTarget } from '../meters/async-owner.ts';
import type { Target } from '../target/target.ts';

/**
 * How served requests ended, counted on the server: the exact number of clients that left
 * inside each window, whatever the client thought it saw.
 */
export interface ResponseTally {
  /** Requests whose connection closed before the response headers were written. */
  closedBeforeHeaders: number;
  /** ... after the headers and before the first body byte. */
  closedBeforeBody: number;
  /** ... after the body started (an established stream). */
  closedAfterBody: number;
  /** Requests whose response finished normally (the server ended it). */
  finished: number;
}

export interface ServedTarget {
  readonly url: string;
  readonly tally: ResponseTally;
  readonly port: number;
  readonly server: Server;
  /** Server-side sockets currently open: a meter of its own. */
  openSockets(): number;
  /** The server's open sockets themselves (the stall probe reads which are backed up). */
  sockets(): Iterable<Socket>;
  /** Stops accepting; resolves when every connection has ended by itself. */
  stopAccepting(): Promise<void>;
  /** Cuts every connection that is still open. */
  cutConnections(): void;
  close(): Promise<void>;
}

export type CreateAdaptorServer = typeof createAdaptorServer;

/**
 * Serves a target's fetch with @hono/node-server, or its node:http listener with node:http,
 * on 127.0.0.1 and an ephemeral port, as CONTRACTS.md promises. `adapter` lets a caller
 * serve a fetch handler with another copy of the adapter (the user's own version, or 2.x in
 * the truth-table tests).
 */
export async function serveTarget(
  target: Pick<Target, 'fetch' | 'listener'>,
  options: { adapter?: CreateAdaptorServer; port?: number } = {},
): Promise<ServedTarget> {
  const create = options.adapter ?? createAdaptorServer;
  const server = target.listener ? createServer(target.listener) : (create({ fetch: target.fetch!, hostname: '127.0.0.1' }) as Server);
  const sockets = new Set<Socket>();
  const tally: ResponseTally = { closedBeforeHeaders: 0, closedBeforeBody: 0, closedAfterBody: 0, finished: 0 };
  // Prepended: the adapter's own listener may write the head synchronously.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    // First of the listeners: the adapter's handler and all it starts run as this connection.
    enterServedConnection();
    let bodyStarted = false;
    const write = res.write;
    res.write = function (this: ServerResponse, ...args: unknown[]) {
      bodyStarted = true;
      res.write = write;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof res.write;
    res.once('close', () => {
      if (res.writableFinished) tally.finished++;
      else if (!res.headersSent) tally.closedBeforeHeaders++;
      else if (!bodyStarted) tally.closedBeforeBody++;
      else tally.closedAfterBody++;
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The server's own async resources are the target's, whoever calls serveTarget.
    inTarget('server', () =>
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      }),
    );
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  const stopAccepting = () =>
    (stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
    }));
  const cutConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    tally,
    port,
    server,
    openSockets: () => sockets.size,
    sockets: () => sockets,
    stopAccepting,
    cutConnections,
    async close() {
      const done = stopAccepting();
      cutConnections();
      await done;
    },
  };
}
