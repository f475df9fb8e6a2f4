// One line per test file: its CPU and its processes', and its wall time (test/cpu-accounting.ts).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { CPU_LOG, cpuSeconds } from './cpu-accounting.ts';

let start: { cpu: { self: number; children: number }; wall: number } | undefined;

beforeAll(() => {
  const cpu = cpuSeconds();
  if (cpu) start = { cpu, wall: performance.now() };
});

afterAll(() => {
  const cpu = cpuSeconds();
  const dir = process.env.TMPDIR;
  const file = expect.getState().testPath;
  if (!start || !cpu || !dir || !file) return;
  const entry = {
    file: path.relative(process.cwd(), file),
    cpu: cpu.self - start.cpu.self + cpu.children - start.cpu.children,
    wall: (performance.now() - start.wall) / 1000,
  };
  appendFileSync(path.join(dir, CPU_LOG), `${JSON.stringify(entry)}\n`);
});
