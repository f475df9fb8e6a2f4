import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPorts, portForCommand } from './command-session.ts';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
  });

describe("a command's PORT", () => {
  it('is free, and below the ports the kernel gives outgoing connections', async () => {
    const [low] = ephemeralPorts();
    const port = await portForCommand();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(low);
    (await listen(port)).close();
  });

  it('passes over a port something already listens on', async () => {
    const [low] = ephemeralPorts();
    const held = await listen(10_000 + Math.floor((low - 10_000) / 2));
    const heldPort = (held.address() as { port: number }).port;
    // The first draw lands on the held port, the second elsewhere.
    const draws = [(heldPort - 10_000) / (low - 10_000), 0.1];
    const port = await portForCommand(() => draws.shift() ?? 0.2);
    held.close();
    expect(port).not.toBe(heldPort);
    expect(port).toBe(10_000 + Math.floor(0.1 * (low - 10_000)));
  });
});
