import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AsyncOwner } from './async-owner.ts';

export interface StackFrame {
  /** Absolute file path, or the raw location for node: and other non-file frames. */
  file: string;
  line: number;
  column: number;
}

/** Who created a resource (see attribute()). `node`: nobody whose resources we count. */
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

/**
 * Where a timer or listener was created: its stack as captured (20 frames, deep enough to get
 * past Node's timer frames and a framework's helpers), until `site()` reads it once; from then
 * on only the site. A captured stack is kept structured until it is read, and every frame's
 * receiver and function stay reachable from it: kept unread, the stack of a timer armed while
 * a request was handled held that whole request (creation-stacks.test.ts). The meters read
 * the live ones before every heap sample.
 */
export class CreationSite {
  #captured: { stack?: string } | undefined = {};
  #site: CallSite | undefined;

  /** Captures the stack below `below` (its frame and those above it are left out). */
  constructor(below: (...args: never[]) => unknown) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 20;
    Error.captureStackTrace(this.#captured!, below);
    Error.stackTraceLimit = limit;
  }

  /** The site, attributed once (the context is the async owner at creation); the stack is dropped. */
  site(rules: OwnerRules, context?: AsyncOwner): CallSite {
    if (!this.#site) {
      const { owner, site, via } = attribute(parseStack(this.#captured?.stack), rules, context);
      // Copied out through JSON: V8 makes a regular expression's captures and a split's parts
      // slices of the string they came from, and a slice keeps the whole formatted stack.
      this.#site = JSON.parse(JSON.stringify({ owner, site, via })) as CallSite;
      this.#captured = undefined;
    }
    return this.#site;
  }
}

export interface OwnerRules {
  /** Folders of sse-soak's own code (its sources, build, scenarios and tests), wherever it is installed. */
  own: readonly string[];
  /** Folders inside `own` that are targets after all (the embedded reference server, test fixtures). */
  targetInsideOwn: readonly string[];
}

/** What one frame's file is: Node's own, sse-soak's, a library's (any node_modules), or the user's. */
export type FrameKind = 'node' | 'own' | 'library' | 'target';

const isNodeInternal = (file: string) => file.startsWith('node:') || !path.isAbsolute(file);
const under = (file: string, dirs: readonly string[]) => dirs.some((d) => file.startsWith(d));
const inNodeModules = (file: string) => file.includes(`${path.sep}node_modules${path.sep}`);

export function frameKind(file: string, rules: OwnerRules): FrameKind {
  if (isNodeInternal(file)) return 'node';
  if (under(file, rules.targetInsideOwn)) return 'target';
  if (under(file, rules.own)) return 'own';
  return inNodeModules(file) ? 'library' : 'target';
}

/**
 * Attributes a creation stack, taken in `context` (the async owner when it was created).
 * - Code the harness runs as a client (its context says so) owns what it creates, whoever's
 *   frames are on the stack: a request function in the user's module is client code.
 * - Otherwise libraries are transparent (undici, hono, tsx, vitest: wherever npm put them)
 *   and the nearest frame that is either sse-soak's own code or the user's decides. Where
 *   sse-soak is installed does not matter: its own folders are known by real path.
 * - A stack of library frames only (undici arming a timer from a socket callback) belongs
 *   to the target when it ran in the target's context, and to nobody we count otherwise.
 * The reported site is the user's line when there is one (not hono's `stream.sleep`), else
 * the innermost library frame.
 */
export function attribute(frames: readonly StackFrame[], rules: OwnerRules, context?: AsyncOwner, cwd = process.cwd()): CallSite {
  if (processWideNodeTimer(frames)) return { owner: 'node' };
  const kinds = frames.map((f) => frameKind(f.file, rules));
  const decisive = kinds.findIndex((k) => k === 'own' || k === 'target');
  const firstLibrary = kinds.indexOf('library');
  let owner: Owner;
  if (context?.owner === 'harness') owner = 'harness';
  else if (decisive >= 0) owner = kinds[decisive] === 'own' ? 'harness' : 'target';
  else owner = context?.owner === 'target' && firstLibrary >= 0 ? 'target' : 'node';
  if (owner === 'node') return { owner };
  const at =
    owner === 'target'
      ? kinds.indexOf('target') >= 0
        ? kinds.indexOf('target')
        : firstLibrary
      : decisive >= 0
        ? decisive
        : kinds.findIndex((k) => k !== 'node');
  if (at < 0) return { owner };
  const frame = frames[at]!;
  const callers =
    owner === 'target'
      ? frames
          .slice(at + 1)
          .filter((_, i) => kinds[at + 1 + i] === 'target')
          .slice(0, 3)
          .map((f) => formatSite(f, cwd))
      : [];
  return { owner, site: formatSite(frame, cwd), ...(callers.length ? { via: callers } : {}), frame };
}

const timerMachinery = new Set(['node:internal/async_hooks', 'node:internal/timers', 'node:timers']);

/**
 * Node's own process-wide timers that a request merely happens to arm: the HTTP `Date`
 * header cache (`utcDate()` in node:internal/http) keeps one unref'd timer that expires at
 * the next second and is re-armed by the next response written after it. It is never more
 * than one, whoever's request armed it, so it is nobody's leak; counted per chain it made
 * every settle wait up to a second for it.
 */
function processWideNodeTimer(frames: readonly StackFrame[]): boolean {
  const first = frames.find((f) => !timerMachinery.has(f.file));
  return first?.file === 'node:internal/http';
}

export function formatSite(frame: StackFrame, cwd = process.cwd()): string {
  const rel = path.relative(cwd, frame.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : frame.file;
  return `${shown}:${frame.line}`;
}
