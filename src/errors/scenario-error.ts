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

/**
 * The scenario found, by trying, that this target cannot take part in it (server-close on a
 * target with no end() whose streams never end by themselves): it is left out of the run
 * with `reason`, as the scenarios known to be unfit before the run are.
 */
export class NotApplicableError extends SoakError {
  constructor(readonly reason: string) {
    super(reason, { code: 'SSE_SOAK_NOT_APPLICABLE', exitCode: 2 });
  }
}

/** SIGINT (or the caller's AbortSignal) stopped the run (exit 130). */
export class InterruptedError extends SoakError {
  constructor() {
    super('interrupted', { code: 'SSE_SOAK_INTERRUPTED', exitCode: 130 });
  }
}
