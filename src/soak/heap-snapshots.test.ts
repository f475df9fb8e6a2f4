import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeSessions, openSessions } from '../../test/fixtures/heap/sessions-in-a-set.ts';
import { packageRoot } from '../package-info.ts';
import { describeRetained, diffSnapshots, summariseDiff, writeSnapshot } from './heap-snapshots.ts';
import { growthSizeFloor, holdsAsCollection, leakRate, lookedInto, noiseFloor, sampleOf } from './retainer-paths.ts';

class KeptForTheTest {
  readonly payload = Array.from({ length: 16 }, (_, i) => i);
}
class DroppedForTheTest {
  readonly payload = Array.from({ length: 16 }, (_, i) => i);
}
/** Kept by one connection in twenty: few, but each holds 64 KB. */
class LargeRecord {
  readonly payload = new Array<number>(8_000).fill(7);
}

describe('heap snapshots of this process, diffed by constructor', () => {
  it('counts what was kept between two snapshots and not what was dropped', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-snap-'));
    const kept: KeptForTheTest[] = [new KeptForTheTest()];
    let dropped: DroppedForTheTest[] = Array.from({ length: 300 }, () => new DroppedForTheTest());
    const warm = await writeSnapshot(dir, 'warmup', 100);
    for (let i = 0; i < 700; i++) kept.push(new KeptForTheTest());
    const large = Array.from({ length: 35 }, () => new LargeRecord());
    openSessions(700);
    dropped = [];
    const end = await writeSnapshot(dir, 'end', 800);
    closeSessions();

    expect(readdirSync(dir).sort()).toEqual(['1-warmup.heapsnapshot', '2-end.heapsnapshot']);
    expect(warm).toMatchObject({ label: 'warmup', connections: 100, file: path.join(dir, '1-warmup.heapsnapshot') });
    expect(end.bytes).toBeGreaterThan(1_000_000);
    // Everything in the heap is in the file: readable by its owner only.
    expect(statSync(end.file).mode & 0o777).toBe(0o600);
    // The format DevTools and memlab read: one JSON document that opens with its meta.
    expect(readFileSync(end.file, 'utf8').slice(0, 40)).toMatch(/^\{"snapshot":\{"meta":/);

    const diff = await diffSnapshots(warm.file, end.file, {
      top: 1000,
      retainers: { churned: 700, cwd: packageRoot, heapGrowthBytes: 3_000_000 },
    });
    // Large objects that one connection in twenty keeps: 35 for 700 churned, under the count
    // floor (70), shown because the soak's heap growth failed with no count failing, and they
    // retain more than a quarter of that growth (the size floor).
    expect(diff.retainers).toMatchObject({ floor: 70, heapGrowthBytes: 3_000_000, sizeFloor: 750_000 });
    const largeHeld = diff.retainers!.clusters.find((c) => c.path[0]?.holder === 'LargeRecord');
    expect(largeHeld, JSON.stringify(diff.retainers!.clusters.map((c) => c.summary))).toBeDefined();
    expect(largeHeld!.count).toBeGreaterThanOrEqual(25);
    expect(largeHeld!.count).toBeLessThan(70);
    expect(largeHeld!.retainedSize).toBeGreaterThan(35 * 60_000);
    expect(largeHeld!.path[0]!.edge).toBe('.payload');
    expect(large).toHaveLength(35);
    const keptDelta = diff.constructors.find((d) => d.name === 'KeptForTheTest');
    expect(keptDelta).toMatchObject({ countDelta: 700, addedCount: 700, removedCount: 0 });
    expect(keptDelta!.sizeDelta).toBeGreaterThan(0);
    expect(diff.constructors.find((d) => d.name === 'DroppedForTheTest')).toBeUndefined();
    expect(kept.length + dropped.length).toBe(701);

    // Who holds the sessions: the fixture's Set, all 700 in one cluster, although each is held
    // through a hash-table slot of its own index (read as `{n}`). (What holds the Set here is
    // vitest's module runner; in a soak it is the module's variable.)
    const held = diff.retainers!.clusters.find((c) => c.constructor === 'HeldSession');
    expect(held, JSON.stringify(diff.retainers!.clusters.map((c) => c.summary))).toBeDefined();
    expect(held!.count).toBe(700);
    expect(held!.path.slice(0, 2)).toEqual([
      { edge: '{n}', holder: '(array)' },
      { edge: '{table}', holder: 'Set' },
    ]);
    // And the transports kept in a plain object by their id: each under a property of its own
    // name, read as `[key]`.
    const keyed = diff.retainers!.clusters.find((c) => c.constructor === 'KeyedTransport');
    expect(keyed, JSON.stringify(diff.retainers!.clusters.map((c) => c.summary))).toBeDefined();
    expect(keyed!.count).toBe(700);
    expect(keyed!.path[0]).toEqual({ edge: '[key]', holder: 'Object' });
  }, 120_000);

  it('leaves no half-written file behind when it cannot write', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-snap-'));
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    await expect(writeSnapshot(blocker, 'warmup', 0)).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(existsSync(path.join(blocker, '1-warmup.heapsnapshot.partial'))).toBe(false);
  });

  it('sums constructors of one name, largest growth first, and leaves V8 internals out of the summary', () => {
    const raw = (name: string, addedCount: number, addedSize: number, removedCount = 0, removedSize = 0) => ({
      name,
      addedCount,
      addedSize,
      removedCount,
      removedSize,
    });
    const diff = summariseDiff(
      [
        raw('Timeout', 10, 1200),
        raw('Timeout', 5, 600),
        raw('(compiled code)', 50, 90_000),
        raw('Shrunk', 1, 10, 9, 900),
        raw('Uint8Array', 100, 9600),
      ],
      2,
    );
    expect(diff.constructors.map((d) => [d.name, d.countDelta, d.sizeDelta])).toEqual([
      ['(compiled code)', 50, 90_000],
      ['Uint8Array', 100, 9600],
    ]);
    expect(diff).toMatchObject({ grewCount: 3, totalCountDelta: 50 + 100 + 15 - 8, totalSizeDelta: 90_000 + 9600 + 1800 - 890 });
    expect(describeRetained(summariseDiff([raw('(compiled code)', 50, 90_000), raw('Timeout', 1070, 128_400)], 10))).toBe(
      'Timeout +1,070 (125 KB)',
    );
  });
});

describe('who holds it: the constructors looked into', () => {
  it("the ones that grew most with enough new objects; never V8's bookkeeping or Node's own native objects", () => {
    const d = (name: string, added: number, addedSize: number) => ({ name, addedIndexes: Array(added).fill(0), addedSize, removedSize: 0 });
    const diff = [
      d('Node / std::basic_string', 127, 9_000),
      d('(compiled code)', 500, 50_000),
      d('Session', 130, 4_000),
      d('Timeout', 120, 8_000),
      d('Tiny', 5, 90_000),
    ];
    expect(lookedInto(diff, 120).map((x) => x.name)).toEqual(['Timeout', 'Session']);
    // With a size floor (a soak whose growth failed and whose counts did not): a few large
    // objects too, never fewer than ten.
    const few = [...diff, d('Record', 40, 2_000_000)];
    expect(lookedInto(few, 120, growthSizeFloor(3_000_000)).map((x) => x.name)).toEqual(['Record', 'Timeout', 'Session']);
    expect(lookedInto(few, 120).map((x) => x.name)).toEqual(['Timeout', 'Session']);
    expect(growthSizeFloor(3_000_000)).toBe(750_000);
    expect(growthSizeFloor(undefined)).toBeUndefined();
    expect(growthSizeFloor(0)).toBeUndefined();
  });
});

describe('who holds it: the objects walked of a constructor', () => {
  it('are drawn at random, so that the order a connection allocates in does not bias the counts', () => {
    // A leaked session's closures are allocated in the same order every time. A fixed stride
    // that shares a factor with that period walks some kinds and never others: every tenth
    // object of a period of five is always the same kind.
    const items = Array.from({ length: 7_000 }, (_, i) => i % 7);
    const drawn = sampleOf(items, 700);
    expect(drawn).toHaveLength(700);
    const perKind = [0, 1, 2, 3, 4, 5, 6].map((k) => drawn.filter((x) => x === k).length);
    for (const n of perKind) expect(n).toBeGreaterThan(60);
    for (const n of perKind) expect(n).toBeLessThan(140);
    const strided = Array.from({ length: 300 }, (_, k) => Array.from({ length: 3_000 }, (_, i) => i % 5)[k * 10]!);
    expect(new Set(strided).size).toBe(1);
    // Without replacement, and every one when there are no more than asked.
    const positions = sampleOf(Array.from(items.keys()), 700);
    expect(new Set(positions).size).toBe(700);
    expect(sampleOf(items.slice(0, 50), 700)).toEqual(items.slice(0, 50));
  });
});

describe('who holds it: the lines that write into a variable', () => {
  it('are looked for when the variable holds a collection the objects sit in, not when it holds the object itself', () => {
    const step = (edge: string, holder: string) => ({ edge, holder });
    // `requestLog.push(record)`: the records sit in the variable's array.
    expect(holdsAsCollection({ path: [step('[n]', 'Array'), step('->requestLog', '(module)')] }, 1)).toBe(true);
    // `transports[id] = transport`, `sessions.set(id, s)`.
    expect(holdsAsCollection({ path: [step('._t', 'Transport'), step('[key]', 'Object'), step('->transports', '(closure)')] }, 2)).toBe(
      true,
    );
    expect(holdsAsCollection({ path: [step('{n}', '(array)'), step('{table}', 'Map'), step('->sessions', '(closure)')] }, 2)).toBe(true);
    // A variable that is the object: h3's `stream`, whose `stream.push(event)` sends an event.
    expect(
      holdsAsCollection({ path: [step('.reader', 'Reader'), step('…', 'EventStream'), step('->stream', '(closure onUpdate)')] }, 2),
    ).toBe(false);
    // The cluster's objects are the variable's own value, one per closure: what is written into
    // it is not where they came from.
    expect(holdsAsCollection({ path: [step('->queue', '(closure)')] }, 0)).toBe(false);
  });
});

describe("who holds it: the clusters' floor", () => {
  it('is one object per ten connections churned, or half the rate of a leak the counts found when that is lower', () => {
    expect(noiseFloor(2_369)).toBe(237);
    expect(noiseFloor(50)).toBe(10);
    // better-sse's clients that left during the auth await: 294 timers in 3,000 connections.
    const rate = leakRate(
      [
        { meter: 'timers', verdict: 'fail', leaked: 294 },
        { meter: 'gauge:sessions', verdict: 'fail', leaked: 290 },
        { meter: 'sockets', verdict: 'pass', leaked: 2 },
      ],
      3_000,
    );
    expect(rate).toBeCloseTo(0.098, 3);
    expect(noiseFloor(2_369, rate)).toBe(117);
    // Never above the noise floor; never under 50 for a small leak (a clean soak's parser pool
    // read 36 to 37 at 769 connections), unless the noise floor itself is lower.
    expect(noiseFloor(2_369, 2)).toBe(237);
    expect(noiseFloor(2_369, 0.001)).toBe(50);
    expect(noiseFloor(100, 0.01)).toBe(10);
    // Nothing failed: no rate.
    expect(leakRate([{ meter: 'timers', verdict: 'pass', leaked: 0 }], 3_000)).toBe(0);
    expect(leakRate([], 0)).toBe(0);
  });
});
