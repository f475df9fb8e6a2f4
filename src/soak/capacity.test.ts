import { describe, expect, it } from 'vitest';
import { type CapacityStep, capacityReport, capacitySteps, fdShortfall, KEEP_UP_P99_MS, notKeepingUp, percentile } from './capacity.ts';

/** A step at `open` streams: 20 KB of heap and 40 KB of RSS each, plus `perChunk` for every chunk read so far. */
const step = (open: number, perChunk = 0, chunks = 0, fanout: Partial<NonNullable<CapacityStep['fanout']>> = {}): CapacityStep => ({
  open,
  openMs: 10,
  heapUsed: 8e6 + 20_000 * open + perChunk * chunks + (open % 2) * 30_000,
  rss: 80e6 + 40_000 * open + perChunk * chunks,
  external: 1e6,
  arrayBuffers: 0,
  chunks,
  ...(open ? { fanout: { publishes: 3, p50Ms: 5, p99Ms: 9, maxMs: 10, missed: 0, ...fanout } } : {}),
});

describe('capacity report', () => {
  it('measures at eight even steps up to n, fewer when n is small', () => {
    expect(capacitySteps(10_000)).toEqual([1250, 2500, 3750, 5000, 6250, 7500, 8750, 10_000]);
    expect(capacitySteps(10)).toEqual([1, 3, 4, 5, 6, 8, 9, 10]);
    expect(capacitySteps(3)).toEqual([1, 2, 3]);
  });

  it('reads memory per stream as the slope against streams open, and takes the held-stream growth per chunk off first', () => {
    // Each step's streams read more chunks the longer they are held (quadratic in the steps).
    const steps = [0, ...capacitySteps(4000)].map((n) => step(n, 450, (n * n) / 100));
    const raw = capacityReport({ steps, durationMs: 1 }, 4000);
    expect(raw.perStream!.heap.bytes).toBeGreaterThan(25_000);
    const report = capacityReport({ steps, durationMs: 1 }, 4000, 450);
    expect(report.perStream!.heap.bytes).toBe(20_000);
    expect(report.perStream!.rss.bytes).toBe(40_000);
    expect(report.chunkGrowthTakenOff).toEqual({ bytesPerChunk: 450 });
    expect(report.streamsPerGiB).toEqual({ rss: Math.floor(1024 ** 3 / 40_000), heap: Math.floor(1024 ** 3 / 20_000) });
    expect(report).toMatchObject({ asked: 4000, held: 4000, keptUpTo: 4000 });
    expect(report.stoppedKeepingUp).toBeUndefined();
  });

  it('projects no streams per GiB from a figure lost in the noise (ten streams)', () => {
    const steps = [0, ...capacitySteps(10)].map((n) => ({ ...step(n), heapUsed: 8e6 + 20_000 * n + (n % 3) * 150_000 }));
    expect(capacityReport({ steps, durationMs: 1 }, 10).streamsPerGiB!.heap).toBeNull();
  });

  it('names the first step where the fan-out fell behind or lost events', () => {
    const slow = [0, 100, 200, 300].map((n) => step(n, 0, 0, n >= 200 ? { p99Ms: KEEP_UP_P99_MS + 1 } : {}));
    expect(capacityReport({ steps: slow, durationMs: 1 }, 300)).toMatchObject({
      keptUpTo: 100,
      stoppedKeepingUp: { open: 200, reason: `fan-out p99 ${KEEP_UP_P99_MS + 1} ms, above ${KEEP_UP_P99_MS} ms` },
    });
    expect(notKeepingUp(step(300, 0, 0, { missed: 4 }))).toBe('4 of 900 timed events never reached their stream within 10 s');
    // A server that stopped taking streams: the step it could not open.
    const opened = capacityReport(
      { steps: [0, 100].map((n) => step(n)), durationMs: 1, stoppedOpening: { open: 101, reason: 'stream 101: 503' } },
      200,
    );
    expect(opened).toMatchObject({ held: 100, keptUpTo: 100, stoppedKeepingUp: { open: 101, reason: 'stream 101: 503' } });
  });

  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([50, 99, 100]);
  });

  it('says how many file descriptors a process needs, against its limit, and what to raise', () => {
    expect(fdShortfall(10_000, 64, { soft: 20_000, hard: 20_000 }, 'p')).toBeUndefined();
    expect(fdShortfall(10_000, 64, { soft: 1024, hard: 1_048_576 }, 'p')).toBe(
      '--open 10000 needs about 10320 file descriptors in p, and its limit is 1024: raise it in the shell that runs sse-soak (ulimit -n 10320), or open fewer streams',
    );
    expect(fdShortfall(10_000, 64, { soft: 4096, hard: 4096 }, 'p')).toMatch(/raise the hard limit too \(it is 4096: /);
    expect(fdShortfall(10_000, 64, undefined, 'p')).toBeUndefined();
  });
});
