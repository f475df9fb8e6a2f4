import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface StackFrame {
  /** Absolute file path, or the raw location for node: and other non-file frames. */
  file: string;
  line: number;
  column: number;
}

/** Who created a resource, judged by the first frame outside Node itself. */
export type Owner = 'target' | 'harness' | 'node';

export interface CallSite {
  owner: Owner;
  /** `file:line`, relative to the working directory when inside it; undefined for `node`. */
  site?: string;
  /** The target's frames that called the site, innermost first (up to three). */
  via?: string[];
  frame?: StackFrame;
}

const frameRe = /\(?((?:file:\/\/|\/|[A-Za-z]:\\|node:)[^()]*?):(\d+):(\d+)\)?$/;

export function parseStack(stack: string | undefined): StackFrame[] {
  if (!stack) return [];
  const frames: StackFrame[] = [];
  for (const raw of stack.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    const m = frameRe.exec(line);
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        // Keep the URL as it is.
      }
    }
    frames.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

export interface OwnerRules {
  /** Folders whose code is the harness's: its own sources, the clients, the test runner. */
  harness: readonly string[];
  /** Folders inside `harness` that are targets after all (the reference server). */
  targetInsideHarness: readonly string[];
  /** Folders that are neither, skipped when looking for the creator (module loaders). */
  transparent: readonly string[];
}

const isNodeInternal = (file: string) => file.startsWith('node:') || !path.isAbsolute(file);
const under = (file: string, dirs: readonly string[]) => dirs.some((d) => file.startsWith(d));

/**
 * Attributes a creation stack. The first frame that is not Node's own (nor a loader's)
 * decides the owner: a timer that the target's code created is the target's even when it
 * passed through the harness below it, and one that undici or our proxy created is not,
 * even though target requests set it off. The reported site is the first frame outside
 * node_modules when there is one (the user's line, not hono's `stream.sleep`).
 */
export function attribute(frames: readonly StackFrame[], rules: OwnerRules, cwd = process.cwd()): CallSite {
  const own = frames.filter((f) => !isNodeInternal(f.file) && !under(f.file, rules.transparent));
  const first = own[0];
  if (!first) return { owner: 'node' };
  const harness = under(first.file, rules.harness) && !under(first.file, rules.targetInsideHarness);
  const isTargetCode = (f: StackFrame) => !under(f.file, rules.harness) || under(f.file, rules.targetInsideHarness);
  const userFrame =
    own.find((f) => isTargetCode(f) && !f.file.includes(`${path.sep}node_modules${path.sep}`)) ??
    own.find(isTargetCode) ??
    first;
  const frame = harness ? first : userFrame;
  const callers = harness
    ? []
    : own
        .slice(own.indexOf(frame) + 1)
        .filter((f) => isTargetCode(f) && !f.file.includes(`${path.sep}node_modules${path.sep}`))
        .slice(0, 3)
        .map((f) => formatSite(f, cwd));
  return {
    owner: harness ? 'harness' : 'target',
    site: formatSite(frame, cwd),
    ...(callers.length ? { via: callers } : {}),
    frame,
  };
}

export function formatSite(frame: StackFrame, cwd = process.cwd()): string {
  const rel = path.relative(cwd, frame.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : frame.file;
  return `${shown}:${frame.line}`;
}
