import { Command, CommanderError } from 'commander';
import { SoakError } from '../errors/soak-error.ts';
import { scenarios } from '../../scenarios/index.ts';
import { registerCompare } from './commands/compare.ts';
import { registerList } from './commands/list.ts';
import { registerRun } from './commands/run.ts';
import { registerServe } from './commands/serve.ts';
import { registerSoak } from './commands/soak.ts';
import { type CliIo, processIo } from './io.ts';

import { packageInfo } from '../package-info.ts';

export interface MainHooks {
  /** Called by `serve` once it listens (tests). */
  onServing?: (url: string) => void;
}

/** Builds the program. Only src/cli prints or decides exit codes. */
export function buildProgram(io: CliIo, hooks: MainHooks = {}, setExitCode: (code: number) => void = () => {}): Command {
  const program = new Command('sse-soak')
    .description('Leak detection and soak testing for Server-Sent-Events servers on Node.js')
    .version(packageInfo.version, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `sse-soak: ${s}` : s),
    })
    .option('--verbose', 'on an error, also print its cause and stack')
    .showHelpAfterError('(run sse-soak --help for usage)');
  registerRun(program, io, setExitCode);
  registerSoak(program, io, setExitCode);
  registerCompare(program, io, setExitCode);
  registerList(program, io, scenarios);
  registerServe(program, io, hooks.onServing);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit status (CONTRACTS.md). */
export async function main(argv: readonly string[], io: CliIo = processIo(), hooks: MainHooks = {}): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, hooks, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io, Boolean(program.opts().verbose) || argv.includes('--verbose'));
  }
}

function exitCodeFor(error: unknown, io: CliIo, verbose: boolean): number {
  if (verbose && error instanceof Error && !(error instanceof CommanderError)) {
    let cause: unknown = error;
    const lines: string[] = [];
    while (cause instanceof Error) {
      lines.push(cause.stack ?? cause.message);
      cause = cause.cause;
    }
    io.stderr.write(`${lines.join('\ncaused by: ')}\n`);
  }
  if (error instanceof CommanderError) {
    // Help and version are successes; every other commander error is a usage error.
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return 0;
    return 2;
  }
  if (error instanceof SoakError) {
    io.stderr.write(`sse-soak: error: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`sse-soak: internal error: ${message}\n`);
  return 3;
}
