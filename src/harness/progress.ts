import type { Establishment, Omitted, RequestShape, ScenarioResult } from '../report/report.ts';

/** What a run reports while it works; the CLI renders it, the library never prints. */
export type RunProgress =
  | {
      type: 'run-start';
      target: string;
      adapter?: string;
      /** What serves it when it is not @hono/node-server (a node:http listener). */
      server?: string;
      scenarios: string[];
      path?: string;
      request?: RequestShape;
      establishment?: Establishment;
      omitted?: Omitted[];
    }
  | { type: 'scenario-start'; scenario: string }
  | { type: 'progress'; scenario: string; done: number; total: number }
  | { type: 'scenario-end'; result: ScenarioResult };
