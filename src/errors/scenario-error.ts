import { SoakError } from './soak-error.ts';

/** Where in a scenario something went wrong; reported with the error. */
export type Phase = 'load' | 'serve' | 'setup' | 'warmup' | 'baseline' | 'measure' | 'settle' | 'child' | 'report';

/** A scenario could not complete: the target failed to answer, crashed or hung (exit 3). */
export class ScenarioError extends SoakError {
  constructor(
    message: string,
    readonly phase: Phase,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, { code: options.code ?? 'SSE_SOAK_SCENARIO', exitCode: 3, cause: options.cause });
  }
}

/** SIGINT (or the caller's AbortSignal) stopped the run (exit 130). */
export class InterruptedError extends SoakError {
  constructor() {
    super('interrupted', { code: 'SSE_SOAK_INTERRUPTED', exitCode: 130 });
  }
}
