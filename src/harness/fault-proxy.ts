import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface FaultProxyStats {
  /** Connections accepted from clients. */
  accepted: number;
  /** Connections closed (both sides) because they were silent for idleTimeoutMs. */
  idleKills: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  readonly stats: FaultProxyStats;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that behaves like a load balancer's idle timeout (nginx
 * proxy_read_timeout, an AWS ALB): a connection with no bytes in either direction for
 * `idleTimeoutMs` is closed on both sides, with a FIN to each peer.
 */
export async function startFaultProxy(options: { upstreamPort: number; idleTimeoutMs: number }): Promise<FaultProxy> {
  const stats: FaultProxyStats = { accepted: 0, idleKills: 0 };
  const pairs = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (client) => {
    stats.accepted++;
    pairs.add(client);
    const upstream = connect({ host: '127.0.0.1', port: options.upstreamPort, noDelay: true });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => {
      pairs.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    // Every byte relayed either way passes through `client`, so its timer sees all traffic.
    client.setTimeout(options.idleTimeoutMs, () => {
      stats.idleKills++;
      end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of pairs) s.destroy();
        server.close(() => resolve());
      }),
  };
}
