import { runSigtermScenario, type SigtermChild, startSigtermChild } from '../src/harness/sigterm/run-sigterm.ts';
import { defineScenario } from '../src/scenario/scenario.ts';

/** The pod is stopped: every stream must end and the process must exit by itself. */
export default defineScenario({
  kind: 'process',
  name: 'sigterm',
  description: 'in a child process: a mix of disconnects, open streams, then SIGTERM; it must exit by itself',
  prepare: startSigtermChild,
  run: (env, prepared) => runSigtermScenario(env, prepared as SigtermChild | undefined),
});
