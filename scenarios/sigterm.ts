import { type ModuleHost, runModuleSigterm, startModuleHost } from '../src/harness/sigterm/run-sigterm.ts';
import { defineScenario } from '../src/scenario/scenario.ts';

/** The pod is stopped: every stream must end and the process must exit by itself. */
export default defineScenario({
  kind: 'process',
  name: 'sigterm',
  description: 'in a process of its own: a mix of disconnects, open streams, then SIGTERM; it must exit by itself',
  prepare: startModuleHost,
  run: (env, prepared) => runModuleSigterm(env, prepared as ModuleHost | undefined),
});
