import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotApplicableError } from '../errors/scenario-error.ts';
import { defaultSettings, referenceRunOptions } from '../harness/defaults.ts';
import { createReferenceTarget } from '../reference/reference-target.ts';
import { type ServedTarget, serveTarget } from '../server/serve-target.ts';
import { ClientThread } from './client-thread.ts';
import type { ThreadContext } from './client-thread-protocol.ts';
import { GET_REQUEST } from './wire-request.ts';

describe('the client thread, against a real served target', () => {
  const target = createReferenceTarget({ ...referenceRunOptions });
  let served: ServedTarget;
  let thread: ClientThread;
  const context = (path = target.path): ThreadContext => {
    const origin = { host: '127.0.0.1', port: served.port, path, url: served.url + path };
    return {
      url: origin.url,
      origin,
      target: { path, firstEvent: target.firstEvent, publish: true, end: false, replay: false, requestPerConnection: false },
      settings: defaultSettings,
      establish: { firstEvent: target.firstEvent },
      request: GET_REQUEST,
    };
  };

  beforeAll(async () => {
    served = await serveTarget(target);
    thread = new ClientThread();
  });
  afterAll(async () => {
    await thread.stop();
    await served.close();
    target.close();
  });

  it("runs a scenario's connections there and hands back its counts; the server saw every one", async () => {
    const before = served.tally.closedAfterBody;
    const counts = await thread.wave('clean-close', context(), 0, 10);
    expect(counts).toEqual({ eventsourceClose: 5, undiciAbort: 5 });
    await thread.resetPool();
    for (let i = 0; i < 50 && served.openSockets() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(served.tally.closedAfterBody - before).toBe(10);
  });

  it("asks the measured thread to run the target's publish, and waits for it", async () => {
    let published = 0;
    thread.callsFor({
      publish: () => {
        published++;
        target.publish();
      },
    });
    // socket-destroy: one connection in four waits for a published event before it leaves.
    const counts = await thread.wave('socket-destroy', context(), 0, 8);
    expect(counts.afterPublish).toBe(2);
    expect(published).toBe(2);
  });

  it("a connection's failure comes back as the scenario error it was", async () => {
    const failure = thread.wave('clean-close', context('/api/acme/nothing-here'), 0, 2);
    await expect(failure).rejects.toMatchObject({ name: 'ScenarioError', phase: 'measure' });
    await expect(failure).rejects.toThrow(/404/);
  });

  it("runs a setup beside the clients there: idle-kill's proxy relays in the thread, its counters and checks come back by message", async () => {
    const settings = { ...defaultSettings, idleTimeoutMs: 100 };
    const resources = await thread.setup('idle-kill', { ...context(), settings });
    const proxyPort = Number(new URL(resources.url!).port);
    expect(proxyPort).not.toBe(served.port);
    try {
      const before = await resources.stats!();
      const counts = await thread.wave('idle-kill', { ...context(), url: resources.url + target.path, settings }, 0, 4);
      expect(counts).toEqual({ killedMidStream: 4 });
      const stats = await resources.stats!();
      expect(stats['proxy.idleKills']! - before['proxy.idleKills']!).toBe(4);
      const [check] = await resources.checks!({ connections: 4, stats: { ...counts, ...stats } });
      expect(check).toMatchObject({ meter: 'idle-kills', verdict: 'pass' });
    } finally {
      await resources.close();
    }
    // Closed in the thread: nothing listens on the proxy's port any more.
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(proxyPort, '127.0.0.1');
      socket.once('connect', () => resolve(socket.destroy() && false));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('a setup there that finds its scenario cannot apply says so as it would here (NotApplicableError, not a scenario error)', async () => {
    // server-close with no end(): its setup watches one stream for the connection timeout.
    const settings = { ...defaultSettings, connectionTimeoutMs: 200 };
    const setup = thread.setup('server-close', { ...context(), settings });
    await expect(setup).rejects.toBeInstanceOf(NotApplicableError);
    await expect(setup).rejects.toThrow(/no end\(\)/);
  });

  it('an unknown scenario is an error, and a stopped thread says so instead of hanging', async () => {
    await expect(thread.wave('no-such-scenario', context(), 0, 1)).rejects.toThrow(/no connection scenario 'no-such-scenario'/);
    const other = new ClientThread();
    await other.stop();
    await expect(other.wave('clean-close', context(), 0, 1)).rejects.toThrow(/client thread was stopped/);
  });
});
