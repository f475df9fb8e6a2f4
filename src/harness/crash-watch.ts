import { inHarness } from '../meters/async-owner.ts';
import { describeThrown } from '../verdict/crash-summary.ts';
import type { CrashProbe } from './run-scenarios.ts';

/**
 * An in-process target shares sse-soak's process: an error it throws that nothing catches
 * (an AbortError from a disconnect nobody expected, say) would end the run with Node's stack
 * trace, no report and exit 1, which reads as a leak. While a run lasts this catches what
 * nothing else did, records the first, and stops the scenarios (its `signal`); the run then
 * reports it as the scenario's error, and the later scenarios as not run (exit 3, "the target
 * crashed"). Nothing is printed here.
 */
export class CrashWatch {
  readonly #stop = new AbortController();
  readonly #cwd: string;
  #crash: { code: string; message: string } | undefined;
  /** Aborted by the caller's signal or by a crash: what the scenarios run under. */
  readonly signal: AbortSignal;

  constructor(signal: AbortSignal | undefined, cwd: string) {
    this.#cwd = cwd;
    this.signal = signal ? AbortSignal.any([signal, this.#stop.signal]) : this.#stop.signal;
  }

  /**
   * Starts catching; the function returned stops, unless the target has crashed: a target
   * that threw once throws again as it is released (its other streams abort when its server
   * closes), after the run, while its report is being written. Those are the same crash, and
   * are absorbed for the rest of the process instead of ending it with exit 1 and no report
   * (a fresh clone's suite once saw exactly that).
   */
  install(): () => void {
    const onException = (error: unknown) => this.#record('an uncaught exception', error);
    const onRejection = (reason: unknown) => this.#record('an unhandled rejection', reason);
    inHarness(() => {
      process.on('uncaughtException', onException);
      process.on('unhandledRejection', onRejection);
    });
    return () => {
      if (this.#crash) return;
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    };
  }

  /** The first crash, once there was one. */
  crashed(): { code: string; message: string } | undefined {
    return this.#crash;
  }

  readonly probe: CrashProbe = {
    died: async () => this.#crash,
    notRun: (when) => ({ code: this.#crash?.code ?? 'SSE_SOAK_TARGET_CRASHED', message: `not run: the target crashed ${when}` }),
  };

  #record(kind: string, error: unknown): void {
    if (this.#crash) return;
    const { line, whose } = describeThrown(error, this.#cwd);
    this.#crash =
      whose === 'own'
        ? { code: 'SSE_SOAK_INTERNAL', message: `sse-soak's own code threw and nothing caught it (${kind}): ${line}` }
        : {
            code: 'SSE_SOAK_TARGET_CRASHED',
            message: `the target threw and nothing caught it (${kind}): ${line}; a process of its own would have ended there`,
          };
    this.#stop.abort();
  }
}
