import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface FaultProxyStats {
  /** Connections accepted from clients. */
  accepted: number;
  /** Connections closed (both sides) because they were silent for idleTimeoutMs. */
  idleKills: number;
  /** Connections dropped on request (`drop`, `dropAll`). */
  drops: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  readonly stats: FaultProxyStats;
  /**
   * Resets (both sides) the connection whose latest request carried `x-sse-soak-client: key`,
   * as a proxy or a network does to one client; false when there is none.
   */
  drop(key: string): boolean;
  /**
   * Resets every connection whose response has started, at once, as a proxy restart or a
   * deploy does to the streams it carries. Requests still waiting for their response are
   * left alone: their client has not yet heard the server's reconnect delay.
   */
  dropAll(): number;
  close(): Promise<void>;
}

/** The header a client sends so that the proxy can drop its connection alone. */
export const CLIENT_KEY_HEADER = 'x-sse-soak-client';
const CLIENT_KEY = new RegExp(`\\r\\n${CLIENT_KEY_HEADER}:\\s*([^\\r\\n]+)`, 'i');

/**
 * A TCP proxy on 127.0.0.1 that behaves like a load balancer's idle timeout (nginx
 * proxy_read_timeout, an AWS ALB): a connection with no bytes in either direction for
 * `idleTimeoutMs` is closed on both sides, with a FIN to each peer. Without an idle timeout
 * it only relays, and drops connections when asked (`reconnect`).
 */
export async function startFaultProxy(options: { upstreamPort: number; idleTimeoutMs?: number }): Promise<FaultProxy> {
  const stats: FaultProxyStats = { accepted: 0, idleKills: 0, drops: 0 };
  const pairs = new Set<Socket>();
  const answered = new WeakSet<Socket>();
  const byKey = new Map<string, Socket>();
  const reset = (client: Socket) => {
    stats.drops++;
    client.resetAndDestroy();
  };
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
    let key: string | undefined;
    client.on('close', () => {
      pairs.delete(client);
      if (key !== undefined && byKey.get(key) === client) byKey.delete(key);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    upstream.once('data', () => answered.add(client));
    // A stream's client sends only its request: finding its key in what it sends is cheap.
    client.on('data', (chunk: Buffer) => {
      const found = CLIENT_KEY.exec(chunk.toString('latin1'))?.[1]?.trim();
      if (found === undefined) return;
      if (key !== undefined && byKey.get(key) === client) byKey.delete(key);
      key = found;
      byKey.set(key, client);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    // Every byte relayed either way passes through `client`, so its timer sees all traffic.
    if (options.idleTimeoutMs)
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
    drop(key) {
      const client = byKey.get(key);
      if (!client) return false;
      reset(client);
      return true;
    },
    dropAll() {
      const streams = [...pairs].filter((client) => answered.has(client));
      for (const client of streams) reset(client);
      return streams.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of pairs) s.destroy();
        server.close(() => resolve());
      }),
  };
}
