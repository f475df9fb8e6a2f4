import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AGENT_CRASH_FILE_ENV,
  AGENT_EXIT_FILE_ENV,
  AGENT_LISTENERS_FILE_ENV,
  AGENT_SOCKET_ENV,
  type CrashRecord,
  type AgentMethod,
  type ExitRecord,
  type FromAgent,
  type Hello,
  type HostShutdown,
  type KeptAlive,
  type ToAgent,
  type UnreachableListener,
} from '../agent/protocol.ts';
import { TargetError, UsageError } from '../errors/soak-error.ts';
import type { MeterSnapshot } from '../harness/meter-snapshot.ts';
import type { ProcessMemory, Readings } from '../harness/readings.ts';
import type { SnapshotFile } from '../soak/heap-snapshots.ts';
import type { SiteMapper } from '../soak/retainer-paths.ts';
import type { HeapSample } from '../meters/heap-meter.ts';
import type { PendingTimer } from '../meters/timer-meter.ts';
import { packageRoot } from '../package-info.ts';
import type { Check } from '../report/report.ts';
import { crashFromStderr } from '../verdict/crash-summary.ts';

const STDERR_TAIL = 4_000;

/** What the agent said when its process listened. */
export type Listening = Hello;

/**
 * A user's server started as a command, with sse-soak's agent preloaded: where it listens,
 * its readings (asked of the agent over a socket), and its process group, which every path
 * out of a run ends.
 */
export interface CommandSession {
  readonly listening: Listening;
  readonly url: string;
  readonly readings: Readings;
  /** The command's process (a launcher such as npm, or the server itself). */
  readonly child: ChildProcess;
  publish(): Promise<void>;
  /** Publishes `count` events in the server's process, paced as stalled-reader's fill is. */
  publishMany(count: number): Promise<void>;
  /** Ends every open stream from the server side (the `end` the server registered). */
  end(): Promise<void>;
  /** The sigterm baseline, kept by the agent for its record at exit: taken once the server's sockets have closed (within waitMs). */
  markBaseline(waitMs?: number): Promise<MeterSnapshot>;
  /** What keeps the process alive (asked before it is killed). */
  keptAlive(): Promise<KeptAlive>;
  /** What sse-soak's module host did at SIGTERM, when the process is one (and it got that far). */
  shutdownRecord(): Promise<HostShutdown | undefined>;
  /** Closures' sites of the server's heap snapshots, mapped through the source maps its process holds. */
  mapSites: SiteMapper;
  /** Resolves when the measured server's process has gone (its agent's socket closed). */
  readonly serverGone: Promise<void>;
  /** The agent's record of the process at exit (after markBaseline), when it wrote one. */
  exitRecord(): ExitRecord | undefined;
  /** The last lines of the command's stderr. */
  stderrTail(): string;
  /**
   * When the server's process has gone, or goes within `waitMs` (500 ms): one line that says
   * so (`the server (pid 12) exited (code 1) <when>: AbortError: ... at server.js:13`), with
   * its exit code and, when Node printed one as it died, the error and its line (else the last
   * lines of its stderr). Undefined while it is alive.
   */
  exited(when: string, waitMs?: number): Promise<string | undefined>;
  /** Ends the command's whole process group (SIGKILL), and waits for the command to exit. */
  stop(): Promise<void>;
}

export interface CommandOptions {
  argv: readonly string[];
  cwd: string;
  /** How long the server may take to listen. */
  listenTimeoutMs: number;
  /** Where the command's stdout and stderr go (the target log). */
  output?: (text: string) => void;
  signal?: AbortSignal;
  /** More environment for the command. */
  env?: Record<string, string>;
  /** How errors name what was started: "command `node server.js`" unless given. */
  label?: string;
}

/**
 * What Node preloads with `--import` into every process of the command: the agent's entry
 * in the built package; or, when sse-soak itself runs from its TypeScript sources (its own
 * tests), tsx's loader and the agent's source, so that the agent and sse-soak's module host
 * share one copy of the meters.
 */
export function agentPreload(): string[] {
  if (import.meta.url.endsWith('.ts')) {
    return [pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, new URL('../agent/agent.ts', import.meta.url).href];
  }
  const file = path.join(packageRoot, 'dist', 'src', 'agent', 'agent.js');
  if (!existsSync(file))
    throw new UsageError('the package is not built (no dist/src/agent/agent.js): run `npm ci` or `npm run build` in its folder');
  return [pathToFileURL(file).href];
}

/**
 * For a command whose server never listened: the servers its agent saw listen where sse-soak's
 * clients cannot reach them (HTTPS, HTTP/2, a UNIX socket), as the rest of the sentence.
 */
function unreachable(file: string): string {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return '';
  }
  // A line that does not parse (written as the process died) is left out, never thrown
  // from the timeout that reads them.
  const seen = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as UnreachableListener];
    } catch {
      return [];
    }
  });
  if (seen.length === 0) return '';
  const list = seen.map((l) => `${l.kind} on ${l.at}`).join(', ');
  return `: the only servers it started were ${list}, which sse-soak cannot reach: its clients speak HTTP/1.1, without TLS, over TCP (serve the SSE route with node:http on the port in PORT for the test)`;
}

/**
 * Starts `argv` with no shell, its own process group, `PORT` set to a free port and the agent
 * added to `NODE_OPTIONS` (after what the user's already holds), and waits until its server
 * listens. One line and the documented exit code for each way that goes wrong, and no
 * process left behind: a command not found (2), a server that exits before it listens, or
 * never listens in time (3, with the last lines of its stderr).
 */
export async function startCommand(options: CommandOptions): Promise<CommandSession> {
  const [command, ...args] = options.argv;
  if (!command) throw new UsageError('no command after --: give the server command, for example `-- node server.js`');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-agent-'));
  const socketPath = path.join(dir, 'agent.sock');
  const exitFile = path.join(dir, 'exit.json');
  const crashFile = path.join(dir, 'crash.json');
  const listenersFile = path.join(dir, 'listeners.jsonl');
  const agents = createServer();
  await new Promise<void>((resolve, reject) => agents.once('error', reject).listen(socketPath, resolve));
  const port = await portForCommand();
  const nodeOptions = [process.env.NODE_OPTIONS, ...agentPreload().map((p) => `--import=${p}`)].filter(Boolean).join(' ');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      NODE_OPTIONS: nodeOptions,
      PORT: String(port),
      [AGENT_SOCKET_ENV]: socketPath,
      [AGENT_EXIT_FILE_ENV]: exitFile,
      [AGENT_CRASH_FILE_ENV]: crashFile,
      [AGENT_LISTENERS_FILE_ENV]: listenersFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-STDERR_TAIL);
    options.output?.(b.toString());
  });
  child.stdout!.on('data', (b: Buffer) => options.output?.(b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // How it died, as its agent wrote it, read as soon as it exits (before stop() removes the folder).
  const crashed = exited.then((): CrashRecord | undefined => {
    try {
      return JSON.parse(readFileSync(crashFile, 'utf8')) as CrashRecord;
    } catch {
      return undefined;
    }
  });
  // Its stdio closed too: what it printed as it died has been read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  const cleanup = () => {
    agents.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const tail = () => stderr.trim().split('\n').slice(-5).join(' | ');
  // A Node process that died of an uncaught error: its error and line, not its last lines;
  // from its agent when it had one (which also knows whether it was a rejection), else from
  // Node's report on stderr.
  const died = async () => {
    const record = await within(crashed, 200);
    if (record)
      return `it threw and nothing caught it (${record.origin === 'unhandledRejection' ? 'an unhandled rejection' : 'an uncaught exception'}): ${record.thrown}`;
    return crashFromStderr(stderr, options.cwd);
  };
  const shown = options.label ?? `command \`${options.argv.join(' ')}\``;

  let socket: Socket;
  let hello: Listening;
  try {
    ({ socket, hello } = await new Promise<{ socket: Socket; hello: Listening }>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new TargetError(
              `${shown}: its server did not listen within ${options.listenTimeoutMs} ms${unreachable(listenersFile)}${stderr ? `; its stderr: ${tail()}` : ''}`,
              { code: 'SSE_SOAK_NEVER_LISTENED' },
            ),
          ),
        options.listenTimeoutMs,
      );
      timer.unref();
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          error.code === 'ENOENT'
            ? new UsageError(`command not found: ${command} (it is run with no shell, from ${options.cwd})`, {
                code: 'SSE_SOAK_COMMAND_NOT_FOUND',
              })
            : new TargetError(`${shown} could not start: ${error.message}`, { code: 'SSE_SOAK_COMMAND_FAILED' }),
        );
      });
      void exited.then(async ({ code, signal }) => {
        clearTimeout(timer);
        const crash = await died();
        reject(
          new TargetError(
            `${shown} exited (${code !== null ? `code ${code}` : `signal ${signal}`}) before its server listened${crash ? `: ${crash}` : stderr ? `; its stderr: ${tail()}` : ''}`,
            { code: 'SSE_SOAK_EXITED_BEFORE_LISTENING' },
          ),
        );
      });
      options.signal?.addEventListener(
        'abort',
        () => reject(new TargetError('interrupted before the server listened', { code: 'SSE_SOAK_INTERRUPTED' })),
        { once: true },
      );
      agents.on('connection', (s: Socket) => {
        // A process that dies with calls unread resets its socket (ECONNRESET): that is its
        // 'close', told by the exit; with no listener, the error would end sse-soak itself.
        s.on('error', () => {});
        s.setEncoding('utf8');
        let first = '';
        const onData = (chunk: string) => {
          first += chunk;
          const nl = first.indexOf('\n');
          if (nl < 0) return;
          s.off('data', onData);
          const message = JSON.parse(first.slice(0, nl)) as FromAgent;
          if (message.type === 'refused') {
            clearTimeout(timer);
            reject(
              new TargetError(`${shown}: sse-soak's agent could not load: ${message.message}`, {
                code: 'SSE_SOAK_AGENT_REFUSED',
              }),
            );
          } else if (message.type === 'hello') {
            clearTimeout(timer);
            const { type: _type, ...listening } = message;
            s.unshift(first.slice(nl + 1));
            resolve({ socket: s, hello: listening });
          }
        };
        s.on('data', onData);
      });
    }));
  } catch (error) {
    killGroup();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000).unref())]);
    cleanup();
    throw error;
  }

  // Calls to the agent, answered in order of their ids.
  let nextId = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let buffered = '';
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, nl)) as FromAgent;
      buffered = buffered.slice(nl + 1);
      if (message.type !== 'reply') continue;
      const w = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) w?.reject(new TargetError(`the server's agent: ${message.error}`, { code: 'SSE_SOAK_AGENT' }));
      else w?.resolve(message.result);
    }
  });
  let socketClosed = false;
  const serverGone = new Promise<void>((resolve) =>
    socket.once('close', () => {
      socketClosed = true;
      resolve();
    }),
  );
  // Once the server has gone: how it exited and what it printed as it died, read to the end.
  const exitLine = async (when?: string) => {
    const status = await within(exited, 1_000);
    await within(closed, 200);
    const how = status ? ` (${status.code !== null ? `code ${status.code}` : `signal ${status.signal}`})` : '';
    const crash = await died();
    return `the server (pid ${hello.pid}) exited${how}${when ? ` ${when}` : ''}${crash ? `: ${crash}` : stderr ? `; its stderr: ${tail()}` : ''}`;
  };
  const gone = serverGone.then(async () => new TargetError(await exitLine(), { code: 'SSE_SOAK_SERVER_EXITED' }));
  void gone.then((error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  const call = <T>(method: AgentMethod, ...args: unknown[]): Promise<T> => {
    if (socketClosed) return gone.then((error) => Promise.reject(error));
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.write(`${JSON.stringify({ type: 'call', id, method, args } satisfies ToAgent)}\n`);
    });
  };
  const readings: Readings = {
    snapshot: () => call<MeterSnapshot>('snapshot'),
    checks: (b, f) => call<Check[]>('checks', b, f),
    pendingInConnections: () => call<PendingTimer[]>('pendingInConnections'),
    clearLeakedTimers: (b) => call<number>('clearLeakedTimers', b),
    heap: (o) => call<HeapSample | undefined>('heap', o),
    openSockets: () => call<number>('openSockets'),
    blockedSockets: () => call<number>('blockedSockets'),
    memory: () => call<ProcessMemory>('memory'),
    hooks: (on) => call<void>('hooks', on),
    writeSnapshot: (dir, label, connections) => call<SnapshotFile>('writeSnapshot', dir, label, connections),
  };
  return {
    listening: hello,
    url: `http://${hello.host.includes(':') ? `[${hello.host}]` : hello.host}:${hello.port}`,
    readings,
    child,
    publish: () => call<void>('publish'),
    publishMany: (count: number) => call<void>('publishMany', count),
    end: () => call<void>('end'),
    markBaseline: (waitMs = 0) => call<MeterSnapshot>('markBaseline', waitMs),
    keptAlive: () => call<KeptAlive>('keptAlive'),
    shutdownRecord: () => call<HostShutdown | undefined>('shutdownRecord'),
    mapSites: (sites) => call<(string | undefined)[]>('mapSites', sites),
    serverGone,
    exitRecord: () => {
      try {
        return JSON.parse(readFileSync(exitFile, 'utf8')) as ExitRecord;
      } catch {
        return undefined;
      }
    },
    stderrTail: tail,
    async exited(when: string, waitMs = 500) {
      if (
        !socketClosed &&
        (waitMs === 0 ||
          !(await within(
            serverGone.then(() => true),
            waitMs,
          )))
      )
        return undefined;
      return exitLine(when);
    },
    async stop() {
      socket.destroy();
      killGroup();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000).unref())]);
      cleanup();
    },
  };
}

/**
 * The port a command's server is given in `PORT`: free now, and below the ports the kernel
 * hands out for outgoing connections. A port the kernel picks (listen on 0) comes from that
 * ephemeral range, and between this process closing it and the server listening on it, any
 * connection anyone on the machine opens may take it as its source port: in a fresh clone's
 * suite, with hundreds of connections a second from the other tests, a server failed to
 * listen with EADDRINUSE on the port sse-soak had just found free. Below the range only
 * another listener can take it.
 */
export async function portForCommand(random: () => number = Math.random): Promise<number> {
  const [low] = ephemeralPorts();
  const floor = 10_000;
  if (low - floor >= 1_000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = floor + Math.floor(random() * (low - floor));
      if (await canListen(port)) return port;
    }
  }
  return listenOn(0);
}

/** The kernel's range of ports for outgoing connections (Linux's setting; elsewhere IANA's, which macOS and Windows use). */
export function ephemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux.
  }
  return [49_152, 65_535];
}

async function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

async function listenOn(port: number): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
