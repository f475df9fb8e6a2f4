/**
 * The agent's socket protocol: newline-delimited JSON between sse-soak (the harness) and the
 * agent preloaded into a user's server started as a command (`run --path /events -- node
 * server.js`). The agent speaks first, once its process listens.
 */

/** Environment variables the harness sets for the command (and every Node process it starts). */
export const AGENT_SOCKET_ENV = 'SSE_SOAK_AGENT_SOCKET';
export const AGENT_EXIT_FILE_ENV = 'SSE_SOAK_AGENT_EXIT_FILE';

/** The readings a harness may ask for; each answers with what the in-process `Readings` method returns. */
export type AgentMethod =
  | 'snapshot'
  | 'checks'
  | 'prune'
  | 'pendingInConnections'
  | 'clearLeakedTimers'
  | 'heap'
  | 'openSockets'
  | 'memory'
  | 'writeSnapshot'
  | 'publish'
  | 'markBaseline'
  | 'activeTimers';

export type FromAgent =
  /** This process listens: the server the harness measures. `publish`/`gauges` as registered through `globalThis.sseSoak`. */
  | { type: 'hello'; pid: number; node: string; host: string; port: number; gauges: string[]; publish: boolean }
  /** The agent cannot measure here (a Node too old); the message says why. */
  | { type: 'refused'; pid: number; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

export type ToAgent = { type: 'call'; id: number; method: AgentMethod; args: unknown[] };

/** What the agent writes at its process's exit, after a `markBaseline` (sigterm). */
export interface ExitRecord {
  pid: number;
  code: number;
  /** The count checks of the process at exit against the marked baseline. */
  checks: unknown[];
  /** Refed timers and other active resources left at exit. */
  atExit: { timers: number; listeners: number; sockets: number };
}
