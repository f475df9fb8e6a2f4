import { describe, expect, it } from 'vitest';
import { HeapReader, sampleHeap } from './heap-meter.ts';

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
    expect(used).toEqual([9_472 - 1_869, 9_525 - 1_869, 9_495 - 1_873, 9_493 - 1_873]);
    // Without the window (the estimate from each sample alone) the page reads as +250 KB.
    const alone = new HeapReader(1);
    expect(alone.read(reading(9_525, 1_210, 2_843)).usedBytes / KB).toBe(9_525 - 1_633);
  });

  it('follows metadata that grows, and one that falls once the window has passed', () => {
    const reader = new HeapReader();
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(8_000);
    expect(reader.read(reading(10_050, 1_000, 3_050)).usedBytes / KB).toBe(8_000);
    // Code dropped (a deoptimised function's code collected): the last three samples' largest
    // is kept until the window has moved past it.
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(7_950);
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(7_950);
    expect(reader.read(reading(10_000, 1_000, 3_000)).usedBytes / KB).toBe(8_000);
  });

  it('reads this process: a retained array raises the heap in use by its size', async () => {
    const before = (await sampleHeap({ thorough: true }))!;
    const kept = Array.from({ length: 100_000 }, (_, i) => i + 0.5);
    const after = (await sampleHeap({ thorough: true }))!;
    expect(after.usedBytes - before.usedBytes).toBeGreaterThan(700 * KB);
    expect(kept.length).toBe(100_000);
  });
});
