import { describe, expect, it } from 'vitest';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { forcedGc, HeapReader, heapSeries, lowestReading, sampleHeap } from './heap-meter.ts';

const KB = 1000;
const reading = (objectKb: number, codeSpaceKb: number, codeAndMetadataKb: number) => ({
  objectBytes: objectKb * KB,
  codeSpaceBytes: codeSpaceKb * KB,
  codeAndMetadataBytes: codeAndMetadataKb * KB,
});

describe('HeapReader', () => {
  it('does not read a code-space page counted whole as object growth', () => {
    // Measured on the reference (fresh run, first samples): the code space counts a fresh
    // page whole at the second sample and gives it back at the third.
    const reader = new HeapReader();
    const used = [reading(9_472, 959, 2_828), reading(9_525, 1_210, 2_843), reading(9_495, 976, 2_849), reading(9_493, 973, 2_845)].map(
      (r) => reader.read(r).usedBytes / KB,
    );
    expect(used).toEqual([9_472 - 1_869, 9_525 - 1_869, 9_495 - 1_873, 9_493 - 1_872]);
    // Without the window (the estimate from each sample alone) the page reads as +250 KB.
    const alone = new HeapReader(1);
    expect(alone.read(reading(9_525, 1_210, 2_843)).usedBytes / KB).toBe(9_525 - 1_633);
  });

  it('reads a metadata that moves by less than half a page as it is, and holds one that falls by a page for the window', () => {
    const reader = new HeapReader();
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(8_000);
    expect(reader.read(reading(10_050, 1_000, 3_050)).usedBytes / KB).toBe(8_000);
    // 50 KB less code (a deoptimised function's code collected): read at once.
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(8_000);
    // 250 KB less metadata with the code space a page larger: the page. At the sample where it
    // appears, the code space is read as the last one's plus what the code grew by (nothing);
    // then the largest of the last three samples' metadata stands in (2,000 KB) until all three
    // had it; a page held that long is read as objects (measured, it went at the next
    // collection after a wave).
    const paged = () => reader.read(reading(10_000, 1_250, 3_000)).usedBytes / KB;
    expect([paged(), paged(), paged()]).toEqual([8_000, 8_000, 8_250]);
  });

  it('reads a code space that grew by more than the code as the code, not as objects', () => {
    // Measured in idle-kill: the code space 65 to 97 KB more at one sample, V8's code figure 5
    // to 15 KB more; back at the next. Here 76 and 14, the objects 7 KB more: 62 KB less
    // metadata, under half a page, which the window alone takes for the metadata moving
    // (+69 KB, then -65).
    const reader = new HeapReader();
    const used = [reading(10_000, 1_000, 3_000), reading(10_007, 1_076, 3_014), reading(10_012, 1_012, 3_020)].map(
      (r) => reader.read(r).usedBytes / KB,
    );
    expect(used).toEqual([8_000, 8_007, 8_004]);
    // Code the JIT adds shows in both figures, and is read as code.
    expect(reader.read(reading(10_012, 1_062, 3_070)).usedBytes / KB).toBe(8_004);
  });

  it('reads metadata that left with its code as gone, not as the page', () => {
    // Measured in reconnect (a fresh run, its baseline and first three samples): the
    // baseline's collections invalidate optimized code that the warm-up left, and V8 drops it
    // when the functions next run, in the first wave: its code figure falls 179 KB and the
    // metadata 167 KB. Taken for the page, that fall made the first step -108 KB and the next
    // +68 (a -113 to -148 KB first step in every run: undecided until 240 to 260 clients).
    const reader = new HeapReader();
    const samples = [
      reading(10_847, 1_194, 3_152),
      reading(10_739, 1_182, 2_973),
      reading(10_746, 1_103, 3_000),
      reading(10_756, 1_104, 3_003),
    ].map((r) => reader.read(r));
    expect(heapSeries(samples).map((y) => y / KB)).toEqual([8_889, 8_869, 8_849, 8_857]);
  });

  it("reads a process's first sample again once the next is in: it has no samples before it", () => {
    // The page at the very first sample (a fresh run's baseline), gone at the second.
    const reader = new HeapReader();
    const samples = [reading(9_700, 1_210, 2_843), reading(9_520, 976, 2_849), reading(9_560, 980, 2_857)].map((r) => reader.read(r));
    expect(samples[0]!.usedBytes / KB).toBe(9_700 - 1_633);
    // The second sample's metadata less the 6 KB of code compiled since: the page is 234 KB.
    expect(heapSeries(samples).map((y) => y / KB)).toEqual([9_700 - 1_867, 9_520 - 1_873, 9_560 - 1_877]);
    // A sample with nothing after it keeps what it read.
    expect(heapSeries(samples.slice(0, 1))).toEqual([samples[0]!.usedBytes]);
  });

  it('reads this process: a retained array raises the heap in use by its size, a retained Buffer by its own', async () => {
    // 8 MB, not 800 KB: in a vitest worker under CPU load, 130 to 170 KB of the worker's own
    // objects are sometimes freed between two samples (measured: buffers and code metadata
    // unchanged), which made an 800 KB array read 634 to 662 KB, once in CI.
    const before = (await sampleHeap({ thorough: true }))!;
    const kept = Array.from({ length: 1_000_000 }, (_, i) => i + 0.5);
    const after = (await sampleHeap({ thorough: true }))!;
    expect(after.usedBytes - before.usedBytes).toBeGreaterThan(7_500 * KB);
    expect(kept.length).toBe(1_000_000);

    const buffer = Buffer.alloc(4 * 1024 * 1024, 1);
    const withBuffer = (await sampleHeap({ thorough: true }))!;
    expect(withBuffer.bufferBytes! - after.bufferBytes!).toBeGreaterThan(3.5 * 1024 * 1024);
    expect(withBuffer.usedBytes - after.usedBytes).toBeGreaterThan(3.5 * 1024 * 1024);
    expect(buffer.length).toBe(4 * 1024 * 1024);
  });
});

describe('lowestReading: one sample, several collections', () => {
  // Measured (KiB; fresh runs' baselines, clean-close at 1 KiB per connection), then the next
  // sample. The first: the third collection freed 129 KiB of old space, and at the same
  // reading the code space counted a page (+197 KiB) while V8's code figure grew 5; compared
  // as read, the third reading was the highest, the baseline kept the second, and the first
  // step read -101 KiB where a wave of 40 connections adds about 55 (4 such runs in 60; 2 of
  // them undecided at the cap). The second: the first and third readings with the page, the
  // second without; read against the first reading alone, the third kept the page, and the
  // first step read -27 KiB.
  it.each([
    {
      name: 'a later collection with the page is read as the objects it freed, not as the page',
      readings: [reading(10_471, 971, 2_796), reading(10_464, 971, 2_796), reading(10_335, 1_168, 2_801)],
      lowest: reading(10_335, 976, 2_801),
      next: reading(10_367, 989, 2_818),
      series: [10_335 - 1_825, 10_367 - 1_829],
    },
    {
      name: 'each reading is read against all the others, not the first alone (which had the page too)',
      readings: [reading(10_403, 1_179, 2_797), reading(10_396, 971, 2_797), reading(10_336, 1_179, 2_802)],
      lowest: reading(10_336, 976, 2_802),
      next: reading(10_375, 993, 2_825),
      series: [10_336 - 1_826, 10_375 - 1_832],
    },
  ])('$name', ({ readings, lowest, next, series }) => {
    expect(lowestReading(readings)).toEqual(lowest);
    const reader = new HeapReader();
    const used = [lowestReading(readings), next].map((r) => reader.read(r));
    expect(heapSeries(used).map((u) => u / KB)).toEqual(series);
  });

  it('keeps the first reading when no later one is lower, and a later one without the page when the first had it', () => {
    expect(lowestReading([reading(10_000, 1_000, 3_000), reading(10_010, 1_000, 3_000)])).toEqual(reading(10_000, 1_000, 3_000));
    expect(lowestReading([reading(10_000, 1_250, 3_000), reading(10_000, 1_000, 3_000)])).toEqual(reading(10_000, 1_000, 3_000));
  });
});

describe('sampleHeap: garbage that two collections leave', () => {
  // Garbage that only a third collection frees: a payload held by one FinalizationRegistry
  // until an object dies, that object held by another until a third dies (a shape that
  // registries such as the `Request` signals' can leave). 4 MB of it.
  const registries: FinalizationRegistry<unknown>[] = [];
  const chain = () => {
    const last = new FinalizationRegistry<unknown>(() => {});
    const first = new FinalizationRegistry<unknown>(() => {});
    registries.push(first, last);
    const payload = Array.from({ length: 500_000 }, (_, i) => i + 0.5);
    const middle = {};
    last.register(middle, payload);
    first.register({}, { middle });
    return new WeakRef(payload);
  };
  const twoCollections = async () => {
    const gc = forcedGc()!;
    gc();
    await nextTurn();
    await nextTurn();
    gc();
  };

  it('exists: two collections with turns between leave it, a third frees it', async () => {
    const payload = chain();
    await twoCollections();
    await nextTurn();
    expect(payload.deref()).toBeDefined();
    await twoCollections();
    await nextTurn();
    expect(payload.deref()).toBeUndefined();
  });

  it("is not in a series' first sample", async () => {
    const payload = chain();
    await sampleHeap({ thorough: true, first: true });
    await nextTurn();
    expect(payload.deref()).toBeUndefined();
  });

  it('is not in a sample that reads far above the one before: it takes a collection more and the lower reading', async () => {
    const before = (await sampleHeap({ thorough: true }))!;
    const payload = chain();
    const after = (await sampleHeap({ thorough: true }))!;
    expect(after.usedBytes - before.usedBytes).toBeLessThan(1_000 * KB);
    await nextTurn();
    expect(payload.deref()).toBeUndefined();
  });
});
