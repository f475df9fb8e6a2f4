import { readFileSync } from 'node:fs';
import { findSourceMap, SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../package-info.ts';
import { size } from '../report/format-bytes.ts';
import type { Check } from '../report/report.ts';

/**
 * Who holds what grew: for the constructors that grew most between the two heap snapshots,
 * the shortest retainer path of their new objects (those whose heap id the first snapshot
 * did not have), clustered by shape, as memlab's leak traces are. Read from DevTools' own
 * heap-snapshot model (heap-snapshot-toolkit), on the end snapshot: its distances to the GC
 * roots (computed without weak edges), its retainer lists, and its closures' script
 * locations.
 */

/** One step from an object towards the GC roots: the edge that holds it, and its holder. */
export interface RetainerStep {
  /** DevTools' notation: `.prop`, `[n]` (an element), `->var` (a closure's context variable), `{internal}`. */
  edge: string;
  /** The holder's class: a constructor's name, `Array`, `Map`, `(closure name)`, `system / Context`... */
  holder: string;
  /** For a closure (or the closure whose context holds a variable): where it is defined, `file:line` (a module: its file). */
  site?: string;
  /**
   * For a variable: the lines of its file that insert into it (`x.push(`, `x.set(`, `x.add(`,
   * `x[k] =`), found by reading the source, since a heap snapshot does not say which line
   * made an object.
   */
  writes?: string[];
  /** The holder in the program's own code that the path stops at: the one to change. */
  program?: true;
}

export interface RetainerCluster {
  /** The grown constructor these objects are. */
  constructor: string;
  /** When they are functions: where they are defined, `file:line` (a leaked timer's or listener's callback). */
  site?: string;
  /** New objects on this path (estimated from a sample when there are many). */
  count: number;
  /** `count` per connection churned between the snapshots: about 1 (or a whole number) for a leak of one per connection. */
  perConnection: number;
  /** Their retained size together (bytes), as DevTools computes it. */
  retainedSize: number;
  /** From the object up to the first named holder (a variable, a closure with its site), nearest first. */
  path: RetainerStep[];
  /** Other grown constructors found inside these objects (their clusters were folded into this one). */
  holds: { constructor: string; count: number }[];
  /** The same, in one line. */
  summary: string;
  /** One of the objects, to open in DevTools (load the snapshot, then find `@<id>` in the Summary view). */
  example: { snapshot: string; nodeId: number };
}

/** What is read of DevTools' JSHeapSnapshot (heap-snapshot-toolkit ships no types for it). */
export interface Snapshot {
  nodeFieldCount: number;
  rootNodeIndex: number;
  nodeDistances: Int32Array;
  /** Per node ordinal: its immediate dominator's ordinal. */
  dominatorsTree: Uint32Array;
  retainedSizes: Float64Array | Uint32Array;
  createNode(index: number): SnapshotNode;
  createEdge(edgeIndex: number): SnapshotEdge;
  getLocation(index: number): { scriptId: number; lineNumber: number; columnNumber: number } | null;
}
interface SnapshotNode {
  nodeIndex: number;
  id(): number;
  name(): string;
  className(): string;
  type(): string;
  isRoot(): boolean;
  ordinal(): number;
  retainers(): Iterator<{ node(): SnapshotNode; edge(): SnapshotEdge }>;
  edges(): Iterator<SnapshotEdge>;
  edgesCount(): number;
}
interface SnapshotEdge {
  edgeIndex: number;
  nodeIndex(): number;
  name(): string;
  type(): string;
  isWeak(): boolean;
  isInvisible(): boolean;
  node(): SnapshotNode;
  toString(): string;
}
interface Iterator<T> {
  hasNext(): boolean;
  next(): void;
  item(): T;
}

/** The diff's entry for one constructor (DevTools' Diff: node indexes in the end snapshot of the objects it added). */
export interface ClassDiff {
  name: string;
  addedIndexes: number[];
  addedSize: number;
  removedSize: number;
}

const MAX_STEPS = 40;
/** Where sse-soak's own code runs from: its sources (its own tests) or its build; its scenarios' clients too (aborted-request's run in-process). */
const HARNESS_DIRS = ['src', 'scenarios', path.join('dist', 'src'), path.join('dist', 'scenarios')].map(
  (dir) => path.join(packageRoot, dir) + path.sep,
);
/**
 * The objects walked of each constructor: all of them up to this many, else this many drawn
 * at random. It was 300 taken at a fixed stride, which aliased with the order a connection
 * allocates its objects in: a leaked session's seven closures, 4,409 each, read 3,520 to
 * 5,028 (at 4,000 still 3,977 to 5,052); and `cancel-only`'s interval closure (about 280 in
 * 3,000 connections, its floor 237) fell under the floor in 2 soaks of 6 under CPU load.
 * Drawn at random, 2,000: 4,148 to 4,978 for the 4,409, and the interval closure found in 6
 * soaks of 6 under the same load. Its cost, in a fresh process: 0.2 to 0.6 s for end
 * snapshots of 15 to 213 MB (0.15 to 0.37 s at 300), where the parse takes 1.7 to 10.5 s.
 */
const SAMPLE = 2_000;

/** The constructors looked into: the ones that grew most in size. */
const CLASSES = 8;
/** V8's own bookkeeping and JIT output: never a program's holder. */
const SKIPPED = new Set(['(compiled code)', '(system)', '(concatenated string)', '(sliced string)']);

/**
 * The constructors whose new objects are looked into: the ones that grew most in size, with
 * at least `floor` new objects, less V8's bookkeeping and Node's own native objects (`Node /
 * std::basic_string`, `Node / builtins_with_cache`: Node's embedder graph, which a program's
 * code does not hold; a clean NestJS server's soak named 127 of them, made anew and as many
 * dropped, as held by Node's builtins cache).
 */
export function lookedInto<D extends Pick<ClassDiff, 'name' | 'addedIndexes' | 'addedSize' | 'removedSize'>>(
  diff: readonly D[],
  floor: number,
  sizeFloor?: number,
): D[] {
  const enough = (d: D) =>
    d.addedIndexes.length >= floor ||
    (sizeFloor !== undefined && d.addedIndexes.length >= MIN_SIZED_COUNT && d.addedSize - d.removedSize >= sizeFloor);
  return diff
    .filter((d) => !SKIPPED.has(d.name) && !d.name.startsWith('Node / ') && enough(d))
    .sort((a, b) => b.addedSize - b.removedSize - (a.addedSize - a.removedSize))
    .slice(0, CLASSES);
}

/**
 * A soak whose heap grew (its growth check failed) while its counts found nothing: what grew
 * may be large objects that only some connections keep (one in twenty, on an error path), too
 * few for the count floor. Then a cluster that holds at least this share of the growth
 * between the snapshots is shown whatever its count, when it has at least MIN_SIZED_COUNT
 * objects: a fixed-size pool (36 parsers' header arrays) is a few KB, nowhere near a quarter
 * of a growth that failed the check.
 */
export const GROWTH_SHARE = 0.25;
const MIN_SIZED_COUNT = 10;

/** The size floor for a soak whose heap growth failed and whose counts passed, else undefined. */
export function growthSizeFloor(heapGrowthBytes: number | undefined): number | undefined {
  return heapGrowthBytes !== undefined && heapGrowthBytes > 0 ? Math.round(heapGrowthBytes * GROWTH_SHARE) : undefined;
}

/**
 * At most `n` of `items`, drawn uniformly without replacement (a partial Fisher-Yates shuffle
 * of the positions), with a fixed seed: the same snapshot gives the same clusters.
 */
export function sampleOf<T>(items: readonly T[], n: number, seed = 0x9e3779b9): T[] {
  if (items.length <= n) return [...items];
  let state = seed >>> 0;
  // mulberry32
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const positions = Array.from(items.keys());
  const drawn: T[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (positions.length - i));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
    drawn.push(items[positions[i]!]!);
  }
  return drawn;
}

/**
 * A cluster with fewer objects than this is noise (a parser free list, a cache warming up):
 * the connections churned between the two snapshots divided by 10 (at least 10), so that a
 * leak of one object in every tenth connection still shows and a fixed-size pool does not
 * (a clean soak of 769 connections had HTTP parsers' header arrays in a cluster of 36 to 37).
 *
 * A soak whose counts already found a leak (`leakedPerConnection`: the largest of its failing
 * counts, per connection) looks down to half that rate: a leak of clients that leave during
 * an awaited auth step is often about one in ten, and better-sse's, at 0.10 per connection,
 * sat on the noise floor (240 against 237) or under it, with no finding at all.
 */
export const noiseFloor = (churned: number, leakedPerConnection = 0) => {
  const noise = Math.max(10, Math.ceil(churned / 10));
  // Never under 50: a pool the size of the concurrency (those parsers) is not a leak, whatever else leaked.
  return leakedPerConnection > 0 ? Math.min(noise, Math.max(MIN_LEAK_FLOOR, Math.ceil((churned * leakedPerConnection) / 2))) : noise;
};
const MIN_LEAK_FLOOR = 50;

/** The largest of the failing counts (timers, listeners, gauges, sockets) per connection: the rate of a leak they found, or 0. */
export function leakRate(checks: readonly Check[], connections: number): number {
  if (connections <= 0) return 0;
  const leaked = checks.filter((c) => c.verdict === 'fail' && typeof c.leaked === 'number' && c.leaked > 0).map((c) => c.leaked!);
  return leaked.length ? Math.round((Math.max(...leaked) / connections) * 10_000) / 10_000 : 0;
}

/**
 * The clusters: those held by the program's own code first, each group by retained size,
 * largest first, above the noise floor for `churned` connections. `cwd` shortens the file
 * names.
 */
export async function retainerClusters(
  snapshot: Snapshot,
  diff: readonly ClassDiff[],
  options: {
    churned: number;
    cwd: string;
    snapshotFile: string;
    mapSites?: SiteMapper;
    leakedPerConnection?: number;
    /** What the heap grew by between the snapshots, when that growth failed the soak and no count did. */
    heapGrowthBytes?: number;
  },
): Promise<{ clusters: RetainerCluster[]; floor: number; sizeFloor?: number }> {
  const floor = noiseFloor(options.churned, options.leakedPerConnection);
  const sizeFloor = growthSizeFloor(options.heapGrowthBytes);
  const sites = new Sites(snapshot, options.cwd);
  const grown = lookedInto(diff, floor, sizeFloor);
  const clusters: RetainerCluster[] = [];
  for (const d of grown) {
    const added = d.addedIndexes;
    const byShape = new Map<string, { path: RetainerStep[]; site?: string; n: number; retained: number; example: number }>();
    let sampled = 0;
    for (const index of sampleOf(added, SAMPLE)) {
      sampled++;
      const path = pathOf(snapshot, index, sites);
      if (!path) continue; // sse-soak's own bookkeeping
      const object = snapshot.createNode(index);
      const site = object.type() === 'closure' ? sites.of(object) : undefined;
      const key = `${site ?? ''} ${path.map((step) => `${step.edge}|${step.holder}|${step.site ?? ''}`).join(' ')}`;
      const entry = byShape.get(key) ?? { path, ...(site ? { site } : {}), n: 0, retained: 0, example: object.id() };
      entry.n++;
      entry.retained += Number(snapshot.retainedSizes[index / snapshot.nodeFieldCount] ?? 0);
      byShape.set(key, entry);
    }
    const scale = added.length / sampled;
    for (const e of byShape.values()) {
      const count = Math.round(e.n * scale);
      const large = sizeFloor !== undefined && count >= MIN_SIZED_COUNT && e.retained * scale >= sizeFloor;
      if (count < floor && !large) continue;
      clusters.push({
        constructor: d.name,
        ...(e.site ? { site: e.site } : {}),
        count,
        perConnection: Math.round((count / Math.max(1, options.churned)) * 100) / 100,
        retainedSize: Math.round(e.retained * scale),
        path: e.path,
        holds: [],
        summary: '',
        example: { snapshot: options.snapshotFile, nodeId: e.example },
      });
    }
  }
  const folded = fold(clusters);
  // Sites are tokens until now (Sites): map them all at once, then name what writes into a variable.
  const resolved = await (options.mapSites ?? mapSitesHere)(sites.raw).catch(() => sites.raw.map(() => undefined));
  const resolve = (token: string) =>
    token.replace(/«site (\d+)»/, (_, i: string) => {
      const raw = sites.raw[Number(i)]!;
      return shortSite(resolved[Number(i)] ?? `${raw.script}:${raw.line + 1}`, options.cwd);
    });
  for (const c of folded) {
    if (c.site) c.site = resolve(c.site);
    for (const [i, step] of c.path.entries()) {
      if (!step.site) continue;
      step.site = resolve(step.site);
      if (step.holder === '(module)') step.site = step.site.replace(/:\d+$/, '');
      // The lines that insert into the variable, when its value is a collection the objects
      // sit in; not for a variable that holds the object itself (h3's `stream.push(event)`
      // read as "written at" its every line).
      if (holdsAsCollection(c, i)) {
        const writes = writesTo(step.site.replace(/:\d+$/, ''), step.edge.slice(2), options.cwd);
        if (writes.length) step.writes = writes;
      }
    }
    c.summary = describeCluster(c);
  }
  // Node's module loader keeps what it loaded (source maps, compiled modules): code loaded
  // between the snapshots, never data a server keeps per connection.
  const clustersShown = folded
    .filter((c) => !c.path.some((step) => step.site?.startsWith('node:internal/modules/')))
    .sort((a, b) => Number(Boolean(b.path.at(-1)?.program)) - Number(Boolean(a.path.at(-1)?.program)) || b.retainedSize - a.retainedSize);
  return { clusters: clustersShown, floor, ...(sizeFloor !== undefined ? { sizeFloor } : {}) };
}

/**
 * What keeps an object alive, walked up to the first holder a person can change: a
 * variable of the program's own code (with its closure's site), or a closure of the
 * program; a library's or Node's variables and closures are steps on the way. First its
 * chain of dominators (DevTools' dominator tree: the holder every path from a GC root
 * passes through), each step named by the holder's direct edge when it has one (`…` when
 * it holds it through objects that do not dominate it): the shortest path, which DevTools'
 * Retainers view lists first, often runs through a library's callbacks that hold the
 * object too, and never reaches the Map the program keeps it in. When the dominator chain
 * reaches no such holder (an object held two ways at once, by a timer and a listener, is
 * dominated by a root), the shortest path (weak and invisible edges skipped) instead.
 */
function pathOf(snapshot: Snapshot, index: number, sites: Sites): RetainerStep[] | undefined {
  const dominated = walk(snapshot, index, sites, dominatorOf);
  if (!dominated || dominated.at(-1)?.program) return dominated;
  // Held along two ways at once (a timer and a listener), its dominator is a root: the
  // shortest path then says more.
  const shortest = walk(snapshot, index, sites, nearestRetainer);
  if (!shortest) return undefined;
  return shortest.at(-1)?.program || shortest.length > dominated.length ? shortest : dominated;
}

type Up = (snapshot: Snapshot, node: SnapshotNode, seen: Set<number>) => { holder: SnapshotNode; edge?: SnapshotEdge } | undefined;

/** The immediate dominator, and its direct edge to the node when it has one. */
const dominatorOf: Up = (snapshot, node) => {
  const nfc = snapshot.nodeFieldCount;
  const dominator = snapshot.dominatorsTree[node.nodeIndex / nfc]! * nfc;
  if (dominator === node.nodeIndex || dominator === snapshot.rootNodeIndex) return undefined;
  const holder = snapshot.createNode(dominator);
  return { holder, edge: edgeTo(snapshot, holder, node.nodeIndex) };
};

/** The retainer nearest to a GC root (DevTools' Retainers view, first row), weak and invisible edges skipped. */
const nearestRetainer: Up = (snapshot, node, seen) => {
  let best: { holder: SnapshotNode; edge: SnapshotEdge; distance: number } | undefined;
  for (const it = node.retainers(); it.hasNext(); it.next()) {
    const r = it.item();
    const edge = r.edge();
    if (edge.isWeak() || edge.isInvisible()) continue;
    const holder = r.node();
    if (seen.has(holder.nodeIndex)) continue;
    const distance = snapshot.nodeDistances[holder.nodeIndex / snapshot.nodeFieldCount]!;
    if (!best || distance < best.distance) best = { holder, edge, distance };
  }
  return best;
};

/**
 * V8's internal slots named by an index (`{713}`): a Set's or Map's entries in its hash
 * table, a context's or fixed array's slots. The index differs from one object of a cluster
 * to the next, as an array element's does (`[n]`): with it in the key, a Set of 237 leaked
 * sessions (better-sse's channel, measured) made 237 shapes of one object each, and no
 * cluster at all; read as `{n}`, 35 clusters of 245 to 730 objects, folded into one held by
 * the program's `channel`.
 */
const INDEXED_SLOT = /^\{\d+\}$/;

/**
 * A plain object used as a dictionary (`sessions[id] = transport`, as the MCP SDK's own
 * Express example keeps its transports) holds each value under a property named by its key,
 * a different one for each: its properties read `[key]` once it has this many edges (a
 * plain `Object` only: `global`, a module namespace or `process` keep their names). With
 * the key in the key, 1,500 leaked MCP sessions made 1,500 shapes, and the finding was an
 * Ajv object 0.15 per connection deep inside one of them.
 */
const DICTIONARY_EDGES = 64;

/** An edge as a path step: with what differs from one object of a cluster to the next left out. */
function edgeName(edge: SnapshotEdge, holder: SnapshotNode): string {
  const type = edge.type();
  if (type === 'element') return '[n]';
  if (type === 'property' && holder.edgesCount() >= DICTIONARY_EDGES && holder.className() === 'Object') return '[key]';
  return edge.toString().replace(INDEXED_SLOT, '{n}');
}

/** The path, or undefined when it runs through sse-soak's own code (its bookkeeping, not the target's). */
function walk(snapshot: Snapshot, index: number, sites: Sites, up: Up): RetainerStep[] | undefined {
  const steps: RetainerStep[] = [];
  let node = snapshot.createNode(index);
  const seen = new Set<number>([index]);
  for (let i = 0; i < MAX_STEPS; i++) {
    const next = up(snapshot, node, seen);
    if (!next || next.holder.isRoot() || next.holder.type() === 'synthetic') break;
    const { holder, edge: direct } = next;
    seen.add(holder.nodeIndex);
    const edge = !direct ? '…' : edgeName(direct, holder);
    if (direct?.type() === 'context') {
      // A closure's variable: name the closure whose context it is, with its site.
      const owner = closureOf(snapshot, holder);
      if (owner && sites.isHarness(owner)) return undefined;
      const name = owner ? closureName(snapshot, owner) : 'system / Context';
      const site = owner && sites.of(owner);
      const program = Boolean(owner && site && !sites.isLibrary(owner));
      steps.push({ edge, holder: name, ...(site ? { site } : {}), ...(program ? { program: true as const } : {}) });
      if (program) break;
    } else if (holder.type() === 'closure') {
      if (sites.isHarness(holder)) return undefined;
      const site = sites.of(holder);
      const program = Boolean(site && !sites.isLibrary(holder));
      steps.push({
        edge,
        holder: closureName(snapshot, holder),
        ...(site ? { site } : {}),
        ...(program ? { program: true as const } : {}),
      });
      if (program) break;
    } else {
      steps.push({ edge, holder: holder.className() });
    }
    node = holder;
  }
  return steps;
}

/** The holder's strong edge to a node, if it references it directly. */
function edgeTo(snapshot: Snapshot, holder: SnapshotNode, target: number): SnapshotEdge | undefined {
  if (holder.edgesCount() >= INDEXED_EDGES) {
    const at = strongEdges(snapshot, holder).get(target);
    return at === undefined ? undefined : snapshot.createEdge(at);
  }
  for (const it = holder.edges(); it.hasNext(); it.next()) {
    const edge = it.item();
    if (edge.nodeIndex() === target && !edge.isWeak() && !edge.isInvisible()) return edge;
  }
  return undefined;
}

/**
 * A holder with this many edges or more has them indexed once (target node to its first
 * strong edge): an array that holds every leaked record is the holder of each record walked,
 * and its edges were scanned once per record. Measured with 2,000 walked per constructor:
 * 0.40 s against 0.55 (15 MB of `retains-per-connection`), 0.36 against 0.55 (78 MB of
 * `cancel-only`).
 */
const INDEXED_EDGES = 64;
const edgeIndexes = new WeakMap<Snapshot, Map<number, Map<number, number>>>();

function strongEdges(snapshot: Snapshot, holder: SnapshotNode): Map<number, number> {
  let bySnapshot = edgeIndexes.get(snapshot);
  if (!bySnapshot) {
    bySnapshot = new Map();
    edgeIndexes.set(snapshot, bySnapshot);
  }
  let index = bySnapshot.get(holder.nodeIndex);
  if (index) return index;
  index = new Map();
  for (const it = holder.edges(); it.hasNext(); it.next()) {
    const edge = it.item();
    if (edge.isWeak() || edge.isInvisible()) continue;
    const target = edge.nodeIndex();
    if (!index.has(target)) index.set(target, edge.edgeIndex);
  }
  bySnapshot.set(holder.nodeIndex, index);
  return index;
}

/** What a program inserts into: the variable's value is one of these when its lines of `.push(`, `.set(`, `[k] =` say where the objects came in. */
const COLLECTIONS = new Set(['Array', 'Map', 'Set', 'Object']);

/** Whether the path's `i`-th step is a variable whose value is a collection the cluster's objects sit in. */
export function holdsAsCollection(c: Pick<RetainerCluster, 'path'>, i: number): boolean {
  return i > 0 && c.path[i]!.edge.startsWith('->') && COLLECTIONS.has(c.path[i - 1]!.holder);
}

/** The lines of `file` (relative to cwd, or absolute) that insert into `variable`, at most three. */
function writesTo(file: string, variable: string, cwd: string): string[] {
  if (!/^[\w$]+$/.test(variable) || file.startsWith('node:')) return [];
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    return [];
  }
  const write = new RegExp(
    `\\b${variable.replace(/\$/g, '\\$')}\\s*(?:\\.\\s*(?:push|unshift|set|add|splice)\\s*\\(|\\[[^\\]]*\\]\\s*=(?!=))`,
  );
  return text
    .split('\n')
    .map((line, i) => (write.test(line) ? `${file}:${i + 1}` : undefined))
    .filter((x): x is string => x !== undefined)
    .slice(0, 3);
}

/** `(closure onRequest)`; a module's own top-level function (anonymous, at the very start of its script) is `(module)`. */
function closureName(snapshot: Snapshot, closure: SnapshotNode): string {
  const name = closure.name();
  const at = snapshot.getLocation(closure.nodeIndex);
  if (!name && at?.lineNumber === 0 && at.columnNumber === 0) return '(module)';
  return `(closure ${name || 'anonymous'})`;
}

/**
 * The closure whose scope a context is: of the closures that hold it through `{context}`
 * (or, for an outer scope, hold an inner one that chains to it through `{previous}`), the
 * one defined first in the file, so that every instance of one scope is named the same
 * whichever of its closures are still alive.
 */
function closureOf(snapshot: Snapshot, context: SnapshotNode): SnapshotNode | undefined {
  let level = [context];
  for (let depth = 0; depth < 4 && level.length; depth++) {
    const next: SnapshotNode[] = [];
    let first: { node: SnapshotNode; at: number } | undefined;
    for (const c of level) {
      for (const it = c.retainers(); it.hasNext(); it.next()) {
        const r = it.item();
        const name = r.edge().name();
        const node = r.node();
        if (name === 'context' && node.type() === 'closure') {
          const location = snapshot.getLocation(node.nodeIndex);
          const at = location ? location.lineNumber * 1e6 + location.columnNumber : Number.MAX_SAFE_INTEGER;
          if (!first || at < first.at) first = { node, at };
        }
        if (name === 'previous' && next.length < 8) next.push(node);
      }
    }
    if (first) return first.node;
    level = next;
  }
  return undefined;
}

/** Where a closure is defined, as the snapshot says: its script's name (a path or URL) and 0-based line and column. */
export interface RawSite {
  script: string;
  line: number;
  column: number;
}

/** Maps raw sites to `file:line` (1-based; absolute, a URL or relative), in order; undefined where it cannot. */
export type SiteMapper = (sites: readonly RawSite[]) => Promise<(string | undefined)[]>;

/**
 * Closures' sites, from the snapshot's locations and script names. They are collected as
 * tokens while the paths are walked, then mapped all at once: in this process (its source
 * maps, or `.map` files on disk), or by a command's agent, in the server's own process,
 * where tsx keeps the maps of the TypeScript it compiled.
 */
class Sites {
  readonly #scripts = new Map<number, string | undefined>();
  readonly raw: RawSite[] = [];
  readonly #tokens = new Map<string, string>();
  constructor(
    readonly snapshot: Snapshot,
    readonly cwd: string,
  ) {}

  /** Node's own code, or a package's under node_modules: not the program's. */
  isLibrary(closure: SnapshotNode): boolean {
    const script = this.#scriptOf(closure);
    return !script || script.startsWith('node:') || script.includes('/node_modules/');
  }

  /**
   * sse-soak's own code (its meters, its samples, its clients' bookkeeping), when it shares
   * the heap with the target in-process: never a finding. Its reference server is a target.
   */
  isHarness(closure: SnapshotNode): boolean {
    const script = this.#scriptOf(closure);
    if (!script) return false;
    const file = script.startsWith('file://') ? fileURLToPath(script) : script;
    return HARNESS_DIRS.some((dir) => file.startsWith(dir)) && !file.includes(`${path.sep}reference${path.sep}`);
  }

  #scriptOf(closure: SnapshotNode): string | undefined {
    const location = this.snapshot.getLocation(closure.nodeIndex);
    if (!location) return undefined;
    if (!this.#scripts.has(location.scriptId)) this.#scripts.set(location.scriptId, scriptName(closure));
    return this.#scripts.get(location.scriptId);
  }

  of(closure: SnapshotNode): string | undefined {
    const location = this.snapshot.getLocation(closure.nodeIndex);
    const script = this.#scriptOf(closure);
    if (!location || !script) return undefined;
    if (script.startsWith('node:')) return `${script}:${location.lineNumber + 1}`;
    const key = `${script}\n${location.lineNumber}\n${location.columnNumber}`;
    let token = this.#tokens.get(key);
    if (!token) {
      token = `«site ${this.raw.length}»`;
      this.raw.push({ script, line: location.lineNumber, column: location.columnNumber });
      this.#tokens.set(key, token);
    }
    return token;
  }
}

/** Sites mapped in this process: its source maps, or a `.map` file next to the script. */
export const mapSitesHere: SiteMapper = async (sites) => sites.map((s) => mapped(s.script, s.line, s.column));

function scriptName(closure: SnapshotNode): string | undefined {
  const shared = edgeNamed(closure, 'shared');
  const script = shared && (edgeNamed(shared, 'script_or_debug_info') ?? edgeNamed(shared, 'script'));
  const name = script && edgeNamed(script, 'name');
  return name?.type() === 'string' ? name.name() : undefined;
}

function edgeNamed(node: SnapshotNode, name: string): SnapshotNode | undefined {
  for (const it = node.edges(); it.hasNext(); it.next()) if (it.item().name() === name) return it.item().node();
  return undefined;
}

/**
 * `file:line` (1-based), through the file's source map (TypeScript compiled by tsc or run by
 * tsx): the one Node holds for a module this process loaded, else a `.map` file on disk
 * named by the script's `sourceMappingURL`. Relative to cwd when under it.
 */
export function mapped(script: string, line: number, column: number): string {
  let file = script;
  let at = line + 1;
  try {
    const source = sourceMapOf(script);
    const entry = source?.map.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
    if (source && entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      const original = entry.originalSource;
      file = /^[a-z]+:/.test(original) || path.isAbsolute(original) || !source.dir ? original : path.resolve(source.dir, original);
      at = entry.originalLine + 1;
    }
  } catch {
    // No usable map: the generated line is the line.
  }
  return `${file}:${at}`;
}

/** `file:line` with a file URL made a path, relative to cwd when under it. */
function shortSite(site: string, cwd: string): string {
  const at = /:(\d+)$/.exec(site);
  let file = at ? site.slice(0, at.index) : site;
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (path.isAbsolute(file)) {
    const relative = path.relative(cwd, file);
    if (!relative.startsWith('..')) file = relative;
  }
  return at ? `${file}:${at[1]}` : file;
}

const mapsOnDisk = new Map<string, { map: SourceMap; dir?: string } | undefined>();

/** A script's source map, and the folder its relative sources are relative to (for a map read from disk). */
function sourceMapOf(script: string): { map: SourceMap; dir?: string } | undefined {
  const held = findSourceMap(script);
  if (held) return { map: held };
  if (mapsOnDisk.has(script)) return mapsOnDisk.get(script);
  let map: { map: SourceMap; dir?: string } | undefined;
  try {
    const file = script.startsWith('file://') ? fileURLToPath(script) : script;
    if (path.isAbsolute(file)) {
      const tail = readFileSync(file, 'utf8').slice(-500);
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(tail)?.[1];
      if (url && !url.startsWith('data:')) {
        const mapFile = path.resolve(path.dirname(file), url);
        map = { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), dir: path.dirname(mapFile) };
      }
    }
  } catch {
    map = undefined;
  }
  mapsOnDisk.set(script, map);
  return map;
}

/**
 * Folds clusters into one per holder a person can name (the last step of their paths: a
 * variable and its closure, or a closure of the program): the strings and arrays inside a
 * leaked record, and the record itself, are one finding. The cluster with the largest
 * retained size speaks for the group and lists what else it holds. Paths that reached no
 * named holder fold only into a cluster whose path they continue.
 */
function fold(clusters: RetainerCluster[]): RetainerCluster[] {
  const stepKey = (s: RetainerStep) => `${s.edge}|${s.holder}|${s.site ?? ''}`;
  const named = (c: RetainerCluster) => {
    const last = c.path.at(-1);
    return last?.program ? stepKey(last) : undefined;
  };
  const groups = new Map<string, RetainerCluster[]>();
  const rest: RetainerCluster[] = [];
  for (const c of clusters) {
    const key = named(c);
    if (key) groups.set(key, [...(groups.get(key) ?? []), c]);
    else rest.push(c);
  }
  const kept: RetainerCluster[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => b.retainedSize - a.retainedSize);
    const [lead, ...others] = group;
    for (const o of others) holdAlso(lead!, o);
    kept.push(lead!);
  }
  // a: object ← … ← (holder = b's constructor) ← b's path: a's objects sit inside b's.
  const inner = new Set<RetainerCluster>();
  for (const a of rest) {
    for (const b of [...kept, ...rest]) {
      if (a === b || inner.has(b) || a.path.length <= b.path.length) continue;
      const offset = a.path.length - b.path.length;
      if (a.path[offset - 1]!.holder !== b.constructor) continue;
      if (!b.path.every((s, i) => stepKey(s) === stepKey(a.path[offset + i]!))) continue;
      inner.add(a);
      holdAlso(b, a);
      break;
    }
  }
  return [...kept, ...rest.filter((c) => !inner.has(c))];
}

/** What `lead` holds besides its own: one entry per constructor, the counts of its clusters summed. */
function holdAlso(lead: RetainerCluster, other: RetainerCluster): void {
  const same = lead.holds.find((h) => h.constructor === other.constructor);
  if (same) same.count += other.count;
  else lead.holds.push({ constructor: other.constructor, count: other.count });
}

/** `2,369 × {at, url, trace} (4.9 MB, 1.00 per connection) ← [n] Array ← ->requestLog (module) src/x.ts, written at src/x.ts:23`. */
export function describeCluster(c: RetainerCluster): string {
  const count = c.count.toLocaleString('en-US');
  const shown = c.path.map(
    (s) => `${s.edge} ${s.holder}${s.site ? ` ${s.site}` : ''}${s.writes ? `, written at ${s.writes.join(', ')}` : ''}`,
  );
  // A long chain through a library's objects: its first two and last three steps (the JSON has all).
  const steps = (shown.length > 6 ? [...shown.slice(0, 2), `(${shown.length - 5} more)`, ...shown.slice(-3)] : shown).join(' ← ');
  return `${count} × ${c.constructor}${c.site ? ` ${c.site}` : ''} (${size(c.retainedSize)}, ${c.perConnection.toFixed(2)} per connection) ← ${steps || '(a GC root)'}`;
}
