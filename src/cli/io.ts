import { Console } from 'node:console';

/** Where the CLI writes. Injected so that tests run the CLI in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/**
 * CONTRACTS.md: with --json nothing but the report goes to stdout. Targets and adapters log
 * (node-server 1.19 prints "The user aborted a request." with console.info), so while the
 * CLI runs a target every console method writes to stderr.
 */
export function consoleToStderr(io: CliIo): () => void {
  const original = globalThis.console;
  globalThis.console = new Console({ stdout: io.stderr, stderr: io.stderr });
  return () => {
    globalThis.console = original;
  };
}
