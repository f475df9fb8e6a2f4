/**
 * The one base class of every error sse-soak throws on purpose. `code` is stable and
 * documented; `exitCode` is what the CLI exits with when the error reaches it
 * (CONTRACTS.md: 2 usage, 3 the run could not complete).
 */
export class SoakError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(message: string, options: { code: string; exitCode: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.exitCode = options.exitCode;
  }
}

/** The command, a flag, a config or a target spec was wrong: exit 2. */
export class UsageError extends SoakError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'SSE_SOAK_USAGE', exitCode: 2, cause: options.cause });
  }
}

/** The target (or the harness around it) could not complete a scenario: exit 3. */
export class TargetError extends SoakError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'SSE_SOAK_TARGET', exitCode: 3, cause: options.cause });
  }
}
