import type { CliIo } from './io.ts';

/**
 * Runs a measuring command: the first Ctrl-C aborts the signal so that the command stops and
 * still writes its report (exit 130). The target's console output goes to its log
 * (execute-run's `output`), never to stdout, which is the report's.
 */
export async function interruptible<T>(io: CliIo, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
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
  }
}
