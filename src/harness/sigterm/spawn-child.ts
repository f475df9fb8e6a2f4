import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildConfig } from './child-protocol.ts';

/**
 * Starts the sigterm child: compiled JavaScript from dist/, or, when sse-soak itself runs
 * from its TypeScript sources (its own tests), the .ts entry through the tsx loader.
 */
export function spawnChild(config: ChildConfig): ChildProcess {
  const self = import.meta.url;
  const fromSource = self.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./child-main.${fromSource ? 'ts' : 'js'}`, self));
  const loader = fromSource ? ['--import', pathToFileURL(createRequire(self).resolve('tsx')).href] : [];
  return spawn(process.execPath, [...loader, '--enable-source-maps', entry], {
    cwd: config.cwd,
    env: { ...process.env, SSE_SOAK_CHILD: JSON.stringify(config) },
    // fd 3: IPC; fd 4: the exit record, written synchronously at 'exit' (child-protocol.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
  });
}
