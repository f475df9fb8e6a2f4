import type { Establishment, Omitted, RequestShape, ScenarioResult } from '../report/report.ts';

/** What a run or soak says once its target answers: what is measured, on what, and how (the CLI's first lines). */
export interface RunStartInfo {
  target: string;
  /** The @hono/node-server version that serves it. */
  adapter?: string;
  /** What serves it when it is not @hono/node-server (a node:http listener, the server's own process). */
  server?: string;
  scenarios: readonly string[];
  path?: string;
  request?: RequestShape;
  establishment?: Establishment;
  omitted?: Omitted[];
}

/** What a run reports while it works; the CLI renders it, the library never prints. */
export type RunProgress =
  | ({ type: 'run-start' } & RunStartInfo)
  | { type: 'scenario-start'; scenario: string }
  | { type: 'progress'; scenario: string; done: number; total: number }
  | { type: 'scenario-end'; result: ScenarioResult }
  /** A scenario that found, by trying, that the target cannot take part in it. */
  | { type: 'scenario-omitted'; omitted: Omitted };
