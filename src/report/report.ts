/** The JSON report (CONTRACTS.md, "The report"). Bump REPORT_SCHEMA_VERSION on any breaking change. */
export const REPORT_SCHEMA_VERSION = 1;

export type Verdict = 'pass' | 'fail' | 'error';
/** `skipped` only when turned off or not applicable (`skippedBy`); one that could not measure is `error`. */
export type CheckVerdict = Verdict | 'skipped';

export interface SiteCount {
  /** `file:line` of the code that created the resource. */
  site: string;
  /** The target's callers of `site`, innermost first: which route reached a shared helper. */
  via?: string[];
  count: number;
  /** What was created there: `setInterval`, `setTimeout`, or the process event listened to. */
  kind?: string;
  event?: string;
}

export interface Check {
  /** `timers`, `gauge:<name>`, `process-listeners`, `sockets`, `heap`, or a scenario's own. */
  meter: string;
  verdict: CheckVerdict;
  /**
   * Why a `skipped` check did not count: the user turned it off, or it does not apply (no
   * gauges defined). A check that should have measured and could not is an `error`.
   */
  skippedBy?: 'user' | 'not-applicable';
  baseline?: number;
  final?: number;
  limit?: number;
  /** How many of what leaked (final - baseline), on a failed count check. */
  leaked?: number;
  /** Where the leaked resources were created, largest group first. */
  sites?: SiteCount[];
  /** heap: Theil-Sen slope over the measured connections, with its 95 % interval. */
  bytesPerConnection?: number;
  ci95?: [number, number];
  samples?: number;
  /** Why the check failed, errored or was skipped, in one line. */
  reason?: string;
  /** Anything else the meter wants a reader to see. */
  details?: Record<string, unknown>;
}

export interface ScenarioResult {
  name: string;
  verdict: Verdict;
  connections: number;
  durationMs: number;
  checks: Check[];
  /** What the scenario did, counted (disconnect kinds, proxy kills, streams ended...). */
  stats?: Record<string, number>;
  error?: { code: string; message: string; phase: string };
  /** What a reader should know to read the verdict right (one line each). */
  notes?: string[];
  /** Connection scenarios: when the measured phase stopped, and why (sequential decisions). */
  decision?: ScenarioDecision;
}

export interface ScenarioDecision {
  /** Measured connections it took. */
  connections: number;
  /** The most it could have taken (`--connections`). */
  cap: number;
  /**
   * `decided`: every check was decided before the cap; `cap`: the heap slope was still
   * undecided at the cap (judged there); `counts`: no heap check to wait for, the counts'
   * minimum was reached.
   */
  reason: 'decided' | 'cap' | 'counts';
  /** The heap test's state when the phase stopped: its interval wholly above, below, or across the limit. */
  heap?: 'above' | 'below' | 'undecided' | 'not-measured';
  /**
   * Heap samples taken, each after two forced full collections: the baseline's, one after
   * each measured wave the cadence chose, and the settled one. None when the heap check is
   * turned off (`--skip-check heap`): a run that does not judge the heap does not collect for it.
   */
  heapSamples?: number;
}

/** What the clients sent to open a stream: never a header's value. */
export interface RequestShape {
  method: string;
  /** Header names, lower-case, sorted (the clients' `accept` included). */
  headers: string[];
  bodyBytes: number;
  /** Made by the target's request function, once per connection (the shape is the first one's). */
  perConnection: boolean;
}

/** When a stream counted as established, as the preflight found out (CONTRACTS.md). */
export type Establishment =
  /** At the target's `firstEvent`, which came `afterMs` after the response started. */
  | { at: 'named-event'; event: string; afterMs: number }
  /** At the first event, which the stream sent at connect. */
  | { at: 'first-event'; afterMs: number }
  /** Once the response had started: the stream sent no event within `quietMs` of it. */
  | { at: 'response'; quietMs: number };

/** A scenario the target could not take part in, left out of the run. */
export interface Omitted {
  scenario: string;
  reason: string;
}

/** The fields every report opens with: the schema, the tool, when and how long, where it ran. */
export type ReportEnvelope = Pick<Report, 'schemaVersion' | 'tool' | 'startedAt' | 'durationMs' | 'environment'>;

export interface Report {
  schemaVersion: number;
  tool: { name: 'sse-soak'; version: string };
  startedAt: string;
  durationMs: number;
  environment: {
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    packages: Record<string, string>;
  };
  target: {
    name: string;
    source: string;
    /** What served it: the @hono/node-server (the target project's own, or sse-soak's), or `node:http` for a listener. */
    adapter?: { name: string; version: string; origin?: 'project' | 'bundled' };
    /** The server command, when the target ran as a command in its own process (`source` is then `command`). */
    command?: string[];
    /** What the clients sent (absent when the run stopped before its preflight). */
    request?: RequestShape;
    establishment?: Establishment;
  };
  settings: Record<string, unknown>;
  verdict: Verdict;
  /** Present and true when SIGINT stopped the run; the scenarios below are what completed. */
  interrupted?: boolean;
  /** Lines the target wrote to its console during the run (they went to the target log). */
  targetOutputLines?: number;
  /** Scenarios of the selection this target cannot take part in, and why (not run, not passed). */
  omitted?: Omitted[];
  scenarios: ScenarioResult[];
}
