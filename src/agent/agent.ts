/**
 * The measuring agent, preloaded into a user's server started as a command
 * (`NODE_OPTIONS=--import <this file>`). Idle unless sse-soak set its socket in the
 * environment. It installs the same meters `run` uses in-process (timers with creation
 * sites, process listeners, the server's sockets, the heap after a forced GC), waits for the
 * first HTTP server of its process to listen, tells sse-soak where over the socket, and
 * answers its requests for readings. Every Node process the command starts loads it (npm,
 * tsx's launcher, workers); only the one that listens speaks.
 *
 * A server registers gauges and a publish with no import of sse-soak, at no cost when the
 * agent is absent:
 *   globalThis.sseSoak?.register({ gauges: { listeners: () => bus.listenerCount('x') }, publish: () => bus.emit('x'), end: () => endAllStreams() });
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { connect, Server as NetServer, type Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import cluster from 'node:cluster';
import { enterServedConnection, inHarness } from '../meters/async-owner.ts';
import { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import type { SampleOptions } from '../meters/heap-meter.ts';
import { MeterSet } from '../harness/meter-set.ts';
import { LocalReadings } from '../harness/readings.ts';
import type { MeterSnapshot } from '../harness/meter-snapshot.ts';
import { compareSnapshots } from '../verdict/compare-snapshots.ts';
import { describeThrown } from '../verdict/crash-summary.ts';
import { mapSitesHere, type RawSite } from '../soak/retainer-paths.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishPaced } from '../harness/publish-paced.ts';
import {
  AGENT_CRASH_FILE_ENV,
  AGENT_EXIT_FILE_ENV,
  AGENT_LISTENERS_FILE_ENV,
  AGENT_SOCKET_ENV,
  type CrashRecord,
  type ExitRecord,
  type FromAgent,
  type HostShutdown,
  type KeptAlive,
  type ToAgent,
  type UnreachableListener,
} from './protocol.ts';
import { MODULE_HOST_ENV } from '../harness/sigterm/module-host-config.ts';

const socketPath = process.env[AGENT_SOCKET_ENV];
if (socketPath) {
  // Leak sites name the lines of the server's sources when it was compiled with source maps (tsx, tsc).
  process.setSourceMapsEnabled(true);
  start(socketPath);
}

interface Registered {
  gauges: Record<string, () => number>;
  publish?: () => unknown;
  end?: () => unknown;
  replay?: boolean;
}

function start(path: string): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    speak(path, {
      type: 'refused',
      pid: process.pid,
      message: `the agent needs Node 20.19 or later; this process runs Node ${process.version}`,
    });
    return;
  }
  const timers = new TimerMeter().enable();
  const listeners = new ProcessListenerMeter().enable();
  const registered: Registered = { gauges: {} };
  let shutdown: HostShutdown | undefined;
  (globalThis as { sseSoak?: unknown }).sseSoak = {
    register(what: { gauges?: Record<string, () => number>; publish?: () => unknown; end?: () => unknown; replay?: boolean }) {
      Object.assign(registered.gauges, what.gauges ?? {});
      if (what.publish) registered.publish = what.publish;
      if (what.end) registered.end = what.end;
      if (what.replay !== undefined) registered.replay = what.replay === true;
    },
    /** sse-soak's own module host only: what its shutdown did on the target's behalf. */
    recordShutdown(record: HostShutdown) {
      shutdown = record;
    },
  };
  // Whether the process ends by `process.exit()` (its own SIGTERM handler) or by its event
  // loop emptying: only the second says that the shutdown released everything.
  let explicit = false;
  const exit = process.exit;
  process.exit = function (this: NodeJS.Process, ...args: Parameters<typeof process.exit>) {
    explicit = true;
    return exit.apply(this, args);
  } as typeof process.exit;
  const sockets = new Set<Socket>();
  const readings = new LocalReadings(new MeterSet(timers, listeners, registered.gauges, () => sockets.size), () => sockets);
  let claimed = false;
  let baseline: MeterSnapshot | undefined;

  // The measured server: the first HTTP server of this process that listens on a TCP port,
  // or, in sse-soak's module host, the one it serves the target with (`measure`): a target
  // module may start a server of its own as it loads (a metrics endpoint), before that one.
  const measure = (server: HttpServer) => {
    const address = server.address();
    if (claimed || !address || typeof address === 'string') return;
    claimed = true;
    // First of its request listeners: the handler and all it starts run as this connection.
    // No connection is accepted before 'listening' has been handled.
    server.prependListener('request', () => enterServedConnection());
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
    serve(path, {
      type: 'hello',
      pid: process.pid,
      node: process.version,
      host,
      port: address.port,
      gauges: Object.keys(registered.gauges),
      publish: !!registered.publish,
      end: !!registered.end,
      replay: !!registered.replay,
      ...(cluster.isWorker ? { clusterWorker: true } : {}),
    });
  };
  // Named before any server listens (the program's `globalThis.sseSoak?.measure(server)`),
  // that server is the measured one whichever listens first: a metrics endpoint may.
  let firstToListen = !process.env[MODULE_HOST_ENV];
  (globalThis as { sseSoak?: { measure?: (server: HttpServer) => void } }).sseSoak!.measure = (server) => {
    firstToListen = false;
    if (server.listening) measure(server);
    else server.once('listening', () => measure(server));
  };
  const listen = NetServer.prototype.listen;
  const listenersFile = process.env[AGENT_LISTENERS_FILE_ENV];
  // Noted for the harness's "did not listen": every server sse-soak cannot reach. An HTTP
  // server may still follow (gRPC's HTTP/2 server beside an HTTP one).
  const noteUnreachable = (server: NetServer) => {
    const address = server.address();
    if (!listenersFile || !address) return;
    const tcp = typeof address !== 'string';
    if (tcp && server instanceof HttpServer) return;
    void unreachableKind(server).then((kind) => {
      const at = tcp ? `port ${address.port}` : `the UNIX socket ${address}`;
      try {
        appendFileSync(listenersFile, `${JSON.stringify({ kind, at } satisfies UnreachableListener)}\n`);
      } catch {
        // The harness is gone, and with it the folder.
      }
    });
  };
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    if (firstToListen && !claimed && this instanceof HttpServer)
      this.once('listening', () => {
        if (firstToListen) measure(this as HttpServer);
      });
    if (listenersFile) this.once('listening', () => noteUnreachable(this));
    return (listen as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof NetServer.prototype.listen;

  // An error nothing caught ends the process: how, written as it dies (a monitor changes
  // nothing of what happens). Node prints the error to stderr too, but not whether it was a
  // rejection, and an AbortError's ten frames can all be Node's; its cause is read here.
  const crashFile = process.env[AGENT_CRASH_FILE_ENV];
  if (crashFile)
    process.on('uncaughtExceptionMonitor', (error, origin) => {
      // A program with a handler of its own lives on.
      if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
      try {
        writeFileSync(crashFile, JSON.stringify({ origin, thrown: describeThrown(error).line } satisfies CrashRecord));
      } catch {
        // The process dies anyway; sse-soak reads Node's report on stderr instead.
      }
    });

  const exitFile = process.env[AGENT_EXIT_FILE_ENV];
  let recorded = false;
  const writeRecord = (code: number | null, reraised?: string) => {
    if (!claimed || !baseline || !exitFile || recorded) return;
    recorded = true;
    try {
      const final = readings.meters.snapshot();
      const record: ExitRecord = {
        pid: process.pid,
        code,
        explicit: explicit || reraised !== undefined,
        ...(reraised ? { reraised } : {}),
        ...(shutdown ? { shutdown } : {}),
        checks: compareSnapshots(baseline, final, listeners.growth(baseline.listeners, final.listeners)),
        atExit: {
          timers: final.timers.filter((t) => t.refed).length,
          listeners: Object.values(final.listeners.counts).reduce((a, b) => a + b, 0),
          sockets: final.sockets,
        },
      };
      writeFileSync(exitFile, JSON.stringify(record));
    } catch {
      // The exit goes on; the harness reports that the readings at exit were not written.
    }
  };
  process.on('exit', (code) => writeRecord(code));
  // A process that ends itself by raising the signal again from its own handler, once that
  // handler is removed: NestJS's enableShutdownHooks does (`process.kill(process.pid,
  // signal)` after its shutdown hooks), and so does signal-exit. The signal's default action
  // then ends it, and no 'exit' event fires: the record is written as the signal is raised.
  const kill = process.kill;
  process.kill = function (this: NodeJS.Process, pid: number, signal?: string | number) {
    const name = typeof signal === 'number' ? signalName(signal) : (signal ?? 'SIGTERM');
    if ((pid === process.pid || pid === 0) && name && ENDING_SIGNALS.has(name) && process.listenerCount(name) === 0)
      writeRecord(null, name);
    return kill.call(this, pid, signal);
  } as typeof process.kill;

  const registeredPublish = () => {
    if (!registered.publish) throw new Error('the server registered no publish (globalThis.sseSoak?.register({ publish }))');
    return registered.publish;
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    snapshot: () => readings.snapshot(),
    checks: (b: MeterSnapshot, f: MeterSnapshot) => readings.checks(b, f),
    pendingInConnections: () => readings.pendingInConnections(),
    clearLeakedTimers: (b: MeterSnapshot) => readings.clearLeakedTimers(b),
    heap: (options: SampleOptions) => readings.heap(options),
    openSockets: () => readings.openSockets(),
    blockedSockets: () => readings.blockedSockets(),
    memory: () => readings.memory(),
    hooks: (on: boolean) => readings.hooks(on),
    writeSnapshot: (dir: string, label: 'warmup' | 'end', connections: number) => readings.writeSnapshot(dir, label, connections),
    publish: async () => {
      await registeredPublish()();
    },
    // Many events at once, 20 a turn of the event loop (stalled-reader's fill): one call,
    // where one call per event would cost a round trip each.
    publishMany: async (count: number) => {
      const publish = registeredPublish();
      await publishPaced(async () => {
        await publish();
      }, count);
    },
    // After the warm-up: its sockets close first (within waitMs), so what a target starts
    // lazily on its first requests is part of the baseline, and what they left is not.
    end: async () => {
      if (!registered.end) throw new Error('the server registered no end (globalThis.sseSoak?.register({ end }))');
      await registered.end();
    },
    markBaseline: async (waitMs = 0) => {
      const until = performance.now() + waitMs;
      while (sockets.size > 0 && performance.now() < until) await sleep(10);
      readings.prune();
      baseline = await readings.snapshot();
      return baseline;
    },
    keptAlive: (): KeptAlive => ({ timers: timers.sample().target, activeResources: process.getActiveResourcesInfo() }),
    shutdownRecord: () => shutdown,
    // Closures' sites in this process's heap snapshots, through the source maps this
    // process holds (tsx keeps the maps of the TypeScript it compiled only here).
    mapSites: (sites: RawSite[]) => mapSitesHere(sites),
  };

  function serve(path: string, hello: FromAgent): void {
    inHarness(() => {
      const socket = connect(path);
      socket.unref();
      socket.setEncoding('utf8');
      socket.on('error', () => {});
      // sse-soak ends the command's process group on every path it controls; if sse-soak
      // itself dies (SIGKILL, a crash), the server it started must not outlive it.
      socket.once('close', () => process.kill(process.pid, 'SIGKILL'));
      socket.write(`${JSON.stringify(hello)}\n`);
      let buffered = '';
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const call = JSON.parse(line) as ToAgent;
          void (async () => {
            let reply: FromAgent;
            try {
              const method = methods[call.method];
              if (!method) throw new Error(`unknown method ${call.method}`);
              reply = { type: 'reply', id: call.id, result: await (method as (...a: unknown[]) => unknown)(...call.args) };
            } catch (error) {
              reply = { type: 'reply', id: call.id, error: error instanceof Error ? error.message : String(error) };
            }
            socket.write(`${JSON.stringify(reply)}\n`);
          })();
        }
      });
    });
  }
}

function speak(path: string, message: FromAgent): void {
  const socket = connect(path);
  socket.on('error', () => {});
  socket.end(`${JSON.stringify(message)}\n`);
}

/** Signals whose default action ends a process, and that a shutdown handler re-raises. */
const ENDING_SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

function signalName(signal: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0];
}

/**
 * What a server sse-soak cannot reach is, as a person reads it. node:https's
 * server is a TLS server, not an `http.Server`; node:http2 exports no class of its servers,
 * so they are told by their classes' names. Loaded only when one listens: the agent adds
 * nothing to a server's start-up for them.
 */
async function unreachableKind(server: NetServer): Promise<string> {
  const [https, tls] = await Promise.all([import('node:https'), import('node:tls')]);
  if (server instanceof HttpServer) return 'HTTP (node:http)';
  if (server instanceof https.Server) return 'HTTPS (node:https)';
  const classes: string[] = [];
  for (let proto = Object.getPrototypeOf(server); proto; proto = Object.getPrototypeOf(proto)) classes.push(proto.constructor?.name);
  if (classes.includes('Http2SecureServer')) return 'HTTP/2 over TLS (node:http2 createSecureServer)';
  if (classes.includes('Http2Server')) return 'HTTP/2 without TLS (node:http2 createServer)';
  if (server instanceof tls.Server) return 'TLS (node:tls)';
  return 'plain TCP (node:net)';
}
