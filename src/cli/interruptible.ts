import { type CliIo, consoleToStderr } from './io.ts';

/**
 * Runs a measuring command: the target's console output goes to stderr (stdout is the
 * report's), and the first Ctrl-C aborts the signal so that the command stops and still
 * writes its report (exit 130).
 */
export async function interruptible<T>(io: CliIo, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const restoreConsole = consoleToStderr(io);
  const controller = new AbortController();
  const onSigint = () => {
    io.stderr.write('\nsse-soak: interrupted; finishing the report\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    restoreConsole();
  }
}
