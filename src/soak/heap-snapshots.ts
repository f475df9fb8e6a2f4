import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { size } from '../report/format-bytes.ts';
import { type RetainerCluster, retainerClusters, type SiteMapper, type Snapshot } from './retainer-paths.ts';

/** One heap snapshot the soak wrote. */
export interface SnapshotFile {
  /** `warmup` (end of the warm-up) or `end` (churn stopped, nothing in flight). */
  label: 'warmup' | 'end';
  file: string;
  /** Churned connections when it was taken. */
  connections: number;
  bytes: number;
  /** How long the process stood still writing it. */
  ms: number;
}

/**
 * What one constructor (DevTools' "class name": a constructor's name, `(closure)`,
 * `(string)`, `{a, b}` for an object literal's shape...) gained between two snapshots.
 * Objects are matched by heap id, as in DevTools' Comparison view: `added` are alive at
 * the end and were not at the start, `removed` the reverse. Sizes are shallow.
 */
export interface ConstructorDelta {
  name: string;
  countDelta: number;
  sizeDelta: number;
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
}

export interface SnapshotDiff {
  /** Largest size growth first; only constructors that grew in count or size. */
  constructors: ConstructorDelta[];
  /**
   * Who holds the new objects of the constructors that grew most: their retainer paths,
   * clustered by shape, largest retained size first (retainer-paths.ts). Only clusters of at
   * least `floor` objects (one per ten of the `churned` connections between the snapshots, or
   * half the rate of a leak the soak's counts found: `leakedPerConnection`), or, when the
   * heap's growth failed and no count did (`heapGrowthBytes`), retaining a quarter of that
   * growth (`sizeFloor`) with ten objects or more.
   */
  retainers?: {
    clusters: RetainerCluster[];
    floor: number;
    churned: number;
    ms: number;
    leakedPerConnection?: number;
    heapGrowthBytes?: number;
    sizeFloor?: number;
  };
  /** Over every constructor, shrinking ones included. */
  totalCountDelta: number;
  totalSizeDelta: number;
  /** Constructors that grew, before the list was cut to its length. */
  grewCount: number;
  ms: number;
}

/**
 * V8's own bookkeeping rather than objects of the program: compiled code grows while the
 * JIT warms up, and `(system)` holds maps and descriptors. Kept in the report, left out of
 * the one-line summary.
 */
export const internalConstructors: ReadonlySet<string> = new Set(['(compiled code)', '(system)']);

/**
 * Writes a heap snapshot of this process as `<dir>/<n>-<label>.heapsnapshot`, the format
 * Chrome DevTools (Memory, Load) and memlab read. V8 collects garbage first. The file is
 * written under a temporary name and renamed, so a crash never leaves half a snapshot
 * under the real name.
 */
export async function writeSnapshot(dir: string, label: SnapshotFile['label'], connections: number): Promise<SnapshotFile> {
  await mkdir(dir, { recursive: true });
  const file = path.resolve(dir, `${label === 'warmup' ? 1 : 2}-${label}.heapsnapshot`);
  const partial = `${file}.partial`;
  const started = performance.now();
  try {
    writeHeapSnapshot(partial);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const ms = Math.round(performance.now() - started);
  return { label, file, connections, bytes: (await stat(file)).size, ms };
}

/**
 * The DevTools heap-snapshot model (heap-snapshot-toolkit re-exports the Chromium DevTools
 * frontend's own parser) read from the two files one after the other, then diffed by
 * constructor. Constructors of the same name from different source locations are summed.
 */
export async function diffSnapshots(
  startFile: string,
  endFile: string,
  options: {
    top?: number;
    retainers?: { churned: number; cwd: string; mapSites?: SiteMapper; leakedPerConnection?: number; heapGrowthBytes?: number };
  } = {},
): Promise<SnapshotDiff> {
  const started = performance.now();
  let raw: Record<string, RawDelta> | undefined;
  let end: unknown;
  // Loaded when a soak diffs, not when `run` starts.
  const { diffFromStreams } = await import('heap-snapshot-toolkit');
  for await (const item of diffFromStreams(createReadStream(startFile, 'utf8'), createReadStream(endFile, 'utf8'))) {
    if (item.type === 'end') end = item.result;
    if (item.type === 'diff') raw = item.result as unknown as Record<string, RawDelta>;
  }
  if (!raw) throw new Error('the heap snapshot diff produced nothing');
  const diff = summariseDiff(Object.values(raw), options.top ?? 30, Math.round(performance.now() - started));
  if (options.retainers && end) {
    const at = performance.now();
    const { clusters, floor, sizeFloor } = await retainerClusters(end as Snapshot, Object.values(raw), {
      ...options.retainers,
      snapshotFile: endFile,
    });
    const { leakedPerConnection, heapGrowthBytes } = options.retainers;
    diff.retainers = {
      clusters,
      floor,
      churned: options.retainers.churned,
      ms: Math.round(performance.now() - at),
      ...(leakedPerConnection ? { leakedPerConnection } : {}),
      ...(sizeFloor !== undefined && heapGrowthBytes ? { heapGrowthBytes: Math.round(heapGrowthBytes), sizeFloor } : {}),
    };
  }
  return diff;
}

interface RawDelta {
  name: string;
  addedIndexes: number[];
  addedCount: number;
  removedCount: number;
  addedSize: number;
  removedSize: number;
}

export function summariseDiff(raw: readonly Omit<RawDelta, 'addedIndexes'>[], top: number, ms = 0): SnapshotDiff {
  const byName = new Map<string, ConstructorDelta>();
  for (const r of raw) {
    const d = byName.get(r.name) ?? {
      name: r.name,
      countDelta: 0,
      sizeDelta: 0,
      addedCount: 0,
      removedCount: 0,
      addedSize: 0,
      removedSize: 0,
    };
    d.addedCount += r.addedCount;
    d.removedCount += r.removedCount;
    d.addedSize += r.addedSize;
    d.removedSize += r.removedSize;
    d.countDelta = d.addedCount - d.removedCount;
    d.sizeDelta = d.addedSize - d.removedSize;
    byName.set(r.name, d);
  }
  const all = [...byName.values()];
  const grew = all
    .filter((d) => d.sizeDelta > 0 || d.countDelta > 0)
    .sort((a, b) => b.sizeDelta - a.sizeDelta || b.countDelta - a.countDelta || a.name.localeCompare(b.name));
  return {
    constructors: grew.slice(0, top),
    totalCountDelta: all.reduce((a, d) => a + d.countDelta, 0),
    totalSizeDelta: all.reduce((a, d) => a + d.sizeDelta, 0),
    grewCount: grew.length,
    ms,
  };
}

/** The constructors that grew most, in one line: `Uint8Array +21,359 (2.0 MB), Timeout +831 (97 KB)`. */
export function describeRetained(diff: SnapshotDiff, count = 6): string {
  const shown = diff.constructors.filter((d) => !internalConstructors.has(d.name)).slice(0, count);
  if (shown.length === 0) return 'nothing grew';
  return shown
    .map(
      (d) =>
        `${d.name.length > 48 ? `${d.name.slice(0, 47)}…` : d.name} ${d.countDelta >= 0 ? '+' : ''}${d.countDelta.toLocaleString('en-US')} (${size(d.sizeDelta)})`,
    )
    .join(', ');
}
