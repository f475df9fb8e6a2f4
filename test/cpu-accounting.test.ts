import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuSeconds, runTotal } from './cpu-accounting.ts';

/** The suite's CPU table (test/cpu-accounting.ts) reads what a process and its children really spent. */
describe.runIf(existsSync('/proc/self/stat'))('cpuSeconds', () => {
  // Burns CPU, not wall time: on a loaded machine a wall-clock loop gets only a share of a core.
  const burn = (ms: number) => {
    const start = process.cpuUsage();
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < ms);
  };

  it("counts this process's CPU, and a child's once it was waited for", () => {
    const before = cpuSeconds()!;
    burn(300);
    const mid = cpuSeconds()!;
    expect(mid.self - before.self).toBeGreaterThan(0.25);
    const child = spawnSync(process.execPath, ['-e', `(${burn.toString()})(400)`]);
    expect(child.status).toBe(0);
    const after = cpuSeconds()!;
    expect(after.children - mid.children).toBeGreaterThan(0.35);
    expect(after.self - mid.self).toBeLessThan(0.2);
  });
});

describe('runTotal', () => {
  it("is what was reaped, or the files' own figures while workers are still running", () => {
    const started = { self: 1, children: 10 };
    // Every worker reaped: their CPU, start-up included, is in the children's figure.
    expect(runTotal(started, { self: 3, children: 110 }, [{ cpu: 60 }, { cpu: 35 }])).toBe(102);
    // One file, its worker still alive when the table is printed (this read 0 s before).
    expect(runTotal(started, { self: 3, children: 10 }, [{ cpu: 69 }])).toBe(71);
  });
});
