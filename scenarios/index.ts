import type { Scenario } from '../src/scenario/scenario.ts';
import abortedRequest from './aborted-request.ts';
import cleanClose from './clean-close.ts';
import idleKill from './idle-kill.ts';
import preAborted from './pre-aborted.ts';
import sigterm from './sigterm.ts';
import socketDestroy from './socket-destroy.ts';

/** Every scenario, in the order a run takes them (CONTRACTS.md names). */
export const scenarios: readonly Scenario[] = [cleanClose, socketDestroy, idleKill, preAborted, abortedRequest, sigterm];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
