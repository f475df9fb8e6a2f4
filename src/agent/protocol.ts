/**
 * The agent's socket protocol: newline-delimited JSON between sse-soak (the harness) and the
 * agent preloaded into a user's server started as a command (`run --path /events -- node
 * server.js`). The agent speaks first, once its process listens.
 */

/** Environment variables the harness sets for the command (and every Node process it starts). */
export const AGENT_SOCKET_ENV = 'SSE_SOAK_AGENT_SOCKET';
export const AGENT_EXIT_FILE_ENV = 'SSE_SOAK_AGENT_EXIT_FILE';
/** Where the agent writes how its process died, when it dies of an error nothing caught. */
export const AGENT_CRASH_FILE_ENV = 'SSE_SOAK_AGENT_CRASH_FILE';
/**
 * Where the agent notes each server of its process that listens where sse-soak cannot reach
 * it (HTTPS, HTTP/2, plain TCP, anything on a UNIX socket), a JSON line each, for a command
 * that never serves HTTP/1.1 on a TCP port.
 */
export const AGENT_LISTENERS_FILE_ENV = 'SSE_SOAK_AGENT_LISTENERS_FILE';

/** A server that listened where sse-soak's clients (HTTP/1.1, no TLS, TCP) cannot reach it. */
export interface UnreachableListener {
  /** What it is, as a person reads it: `HTTPS (node:https)`. */
  kind: string;
  /** Where: `port 4443`, `the UNIX socket /run/app.sock`. */
  at: string;
}

/** An error nothing caught, as the process died of it: whether it was a rejection, and the error in one line. */
export interface CrashRecord {
  origin: 'uncaughtException' | 'unhandledRejection';
  /** crash-summary.ts's describeThrown: the error's first line and the line that raised it (or its cause). */
  thrown: string;
}

/** The readings a harness may ask for; each answers with what the in-process `Readings` method returns. */
export type AgentMethod =
  | 'snapshot'
  | 'checks'
  | 'pendingInConnections'
  | 'clearLeakedTimers'
  | 'heap'
  | 'openSockets'
  | 'blockedSockets'
  | 'memory'
  | 'hooks'
  | 'writeSnapshot'
  | 'publish'
  | 'publishMany'
  | 'end'
  | 'markBaseline'
  | 'keptAlive'
  | 'shutdownRecord'
  | 'mapSites';

/** What the agent says when its process listens: the server the harness measures. */
export interface Hello {
  pid: number;
  node: string;
  host: string;
  port: number;
  /** The gauges registered through `globalThis.sseSoak.register`. */
  gauges: string[];
  publish: boolean;
  /** The server registered an `end` (server-close). */
  end: boolean;
  /** The server declared that it replays from Last-Event-ID (reconnect's delivery check). */
  replay: boolean;
  /** The measured server is a worker of node:cluster: its siblings serve some of the connections. */
  clusterWorker?: boolean;
}

export type FromAgent =
  | ({ type: 'hello' } & Hello)
  /** The agent cannot measure here (a Node too old); the message says why. */
  | { type: 'refused'; pid: number; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

export type ToAgent = { type: 'call'; id: number; method: AgentMethod; args: unknown[] };

/**
 * What sse-soak's own module host (the sigterm child of a module target) did at SIGTERM, on
 * the target's behalf: handed to the agent through `globalThis.sseSoak.recordShutdown`.
 */
export interface HostShutdown {
  /** Whether the target has a close() at all. */
  hasClose: boolean;
  /** Held streams still open after the drain, which the host then cut. */
  cutStreams: number;
  /** close() threw or did not resolve in time. */
  closeError?: string;
  shutdownMs: number;
}

/** What keeps a process alive: its target's active timers, and Node's list of active resources. */
export interface KeptAlive {
  timers: import('../meters/timer-meter.ts').ActiveTimer[];
  activeResources: string[];
}

/** What the agent writes at its process's exit, after a `markBaseline` (sigterm). */
export interface ExitRecord {
  pid: number;
  /** Null when it ended by a signal it raised itself (`reraised`). */
  code: number | null;
  /** The process ended through `process.exit()` (its own SIGTERM handler, typically), or by re-raising the signal, not by its event loop emptying. */
  explicit: boolean;
  /** The signal the process raised against itself, its handler removed, to end (NestJS's shutdown hooks do). */
  reraised?: string;
  /** The module host's shutdown, when the process is sse-soak's own sigterm child. */
  shutdown?: HostShutdown;
  /** The count checks of the process at exit against the marked baseline. */
  checks: unknown[];
  /** Refed timers and other active resources left at exit. */
  atExit: { timers: number; listeners: number; sockets: number };
}
