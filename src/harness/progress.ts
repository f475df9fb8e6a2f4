import type { Establishment, RequestShape, ScenarioResult } from '../report/report.ts';

/** What a run reports while it works; the CLI renders it, the library never prints. */
export type RunProgress =
  | {
      type: 'run-start';
      target: string;
      adapter?: string;
      scenarios: string[];
      path?: string;
      request?: RequestShape;
      establishment?: Establishment;
    }
  | { type: 'scenario-start'; scenario: string }
  | { type: 'progress'; scenario: string; done: number; total: number }
  | { type: 'scenario-end'; result: ScenarioResult };
