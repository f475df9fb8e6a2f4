import type { AddressInfo, Socket } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Target } from '../target/target.ts';

export interface ServedTarget {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Server-side sockets currently open: a meter of its own. */
  openSockets(): number;
  /** Stops accepting; resolves when every connection has ended by itself. */
  stopAccepting(): Promise<void>;
  /** Cuts every connection that is still open. */
  cutConnections(): void;
  close(): Promise<void>;
}

export type CreateAdaptorServer = typeof createAdaptorServer;

/**
 * Serves a target's fetch with @hono/node-server on 127.0.0.1 and an ephemeral port, as
 * CONTRACTS.md promises. `adapter` lets a caller serve with another copy of the adapter
 * (the user's own version, or 2.x in the truth-table tests).
 */
export async function serveTarget(
  target: Pick<Target, 'fetch'>,
  options: { adapter?: CreateAdaptorServer; port?: number } = {},
): Promise<ServedTarget> {
  const create = options.adapter ?? createAdaptorServer;
  const server = create({ fetch: target.fetch, hostname: '127.0.0.1' }) as Server;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
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
    port,
    server,
    openSockets: () => sockets.size,
    stopAccepting,
    cutConnections,
    async close() {
      const done = stopAccepting();
      cutConnections();
      await done;
    },
  };
}
