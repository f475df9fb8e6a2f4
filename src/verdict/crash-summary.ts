import { formatSite, frameKind, parseStack, type StackFrame } from '../meters/call-site.ts';
import { defaultOwnerRules } from '../meters/owner-rules.ts';

/**
 * What was thrown, in one line: the error's first line and the line of the program that led
 * to it (the innermost frame that is neither Node's nor a library's), as
 * `AbortError: The operation was aborted at src/stream.ts:42`, and whose that line is.
 */
export function describeThrown(error: unknown, cwd = process.cwd()): { line: string; whose: 'target' | 'own' | 'library' | undefined } {
  if (!(error instanceof Error)) return { line: `a non-error value: ${String(error).slice(0, 200)}`, whose: undefined };
  const head = firstLine(error);
  const at = programFrame(parseStack(error.stack));
  if (at) return { line: `${head} at ${formatSite(at.frame, cwd)}`, whose: at.kind };
  // Raised inside Node alone: the line is its cause's (an AbortError from an aborted signal
  // whose ten frames are all Node's, caused by the abort() a library or the program called).
  for (let cause = error.cause, depth = 0; cause instanceof Error && depth < 3; cause = cause.cause, depth++) {
    const by = programFrame(parseStack(cause.stack));
    if (by) return { line: `${head} (its cause, ${firstLine(cause)}, at ${formatSite(by.frame, cwd)})`, whose: by.kind };
  }
  return { line: head, whose: undefined };
}

const firstLine = (error: Error) => `${error.name}: ${error.message}`.split('\n')[0]!;

/**
 * The same line read from what a Node process printed as it died of an uncaught exception
 * or rejection: its report ends with the error, its stack, and `Node.js v20...`, so the last
 * lines of stderr say nothing. The error is the last unindented `Name: message` line
 * followed by a stack. Undefined when there is no such report in `stderr`.
 */
export function crashFromStderr(stderr: string, cwd = process.cwd()): string | undefined {
  const lines = stderr.split('\n');
  const isFrame = (line: string) => /^\s+(at |\.\.\. )/.test(line);
  for (let i = lines.length - 2; i >= 0; i--) {
    if (!/^[A-Za-z_$][\w$]*(?: \[[A-Z0-9_]+\])?: \S/.test(lines[i]!)) continue;
    // The message may run over a few lines before its stack (esbuild's "Transform failed
    // with 2 errors:" lists them): the first of those is kept.
    let from = i + 1;
    while (from < lines.length && from <= i + 5 && lines[from]!.trim() && !isFrame(lines[from]!)) from++;
    if (from >= lines.length || !isFrame(lines[from]!)) continue;
    let end = from;
    while (end < lines.length && isFrame(lines[end]!)) end++;
    const line = from > i + 1 ? `${lines[i]} ${lines[i + 1]!.trim()}` : lines[i]!;
    const site = programSite(parseStack(lines.slice(from, end).join('\n')), cwd);
    if (site) return `${line} at ${site}`;
    // Node's own frames only (ten at most: the one that called abort() can be cut off): the
    // line of the first cause printed below it that has one.
    for (let c = end; c < lines.length; c++) {
      const cause = /^\s+\[cause\]: (\S.*)$/.exec(lines[c]!);
      if (!cause) continue;
      let stop = c + 1;
      while (stop < lines.length && isFrame(lines[stop]!)) stop++;
      const by = programSite(parseStack(lines.slice(c + 1, stop).join('\n')), cwd);
      if (by) return `${line} (its cause, ${cause[1]}, at ${by})`;
    }
    return line;
  }
  return undefined;
}

function programSite(frames: readonly StackFrame[], cwd: string): string | undefined {
  const at = programFrame(frames);
  return at ? formatSite(at.frame, cwd) : undefined;
}

/**
 * The user's line first (the reference server and test fixtures count as the user's, as in
 * call-site.ts), then sse-soak's own, then a library's.
 */
function programFrame(frames: readonly StackFrame[]): { frame: StackFrame; kind: 'target' | 'own' | 'library' } | undefined {
  const kinds = frames.map((f) => frameKind(f.file, defaultOwnerRules));
  for (const kind of ['target', 'own', 'library'] as const) {
    const i = kinds.indexOf(kind);
    if (i >= 0) return { frame: frames[i]!, kind };
  }
  return undefined;
}
