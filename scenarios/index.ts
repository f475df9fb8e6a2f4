import type { Scenario } from '../src/scenario/scenario.ts';
import abortedRequest from './aborted-request.ts';
import cleanClose from './clean-close.ts';
import idleKill from './idle-kill.ts';
import preAborted from './pre-aborted.ts';
import reconnect from './reconnect.ts';
import serverClose from './server-close.ts';
import sigterm from './sigterm.ts';
import socketDestroy from './socket-destroy.ts';
import stalledReader from './stalled-reader.ts';

/** Every scenario, in the order a run takes them (CONTRACTS.md names; server-close, reconnect and stalled-reader are ours). */
export const scenarios: readonly Scenario[] = [
  cleanClose,
  socketDestroy,
  idleKill,
  preAborted,
  abortedRequest,
  serverClose,
  reconnect,
  stalledReader,
  sigterm,
];

/** What a run takes when no scenario is named: every one but the opt-in ones. */
export const defaultScenarios: readonly Scenario[] = scenarios.filter((s) => !s.optIn);

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
