import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What each test file costs the machine: the CPU of its worker and of every process it
 * started and waited for (the binary runs, their sigterm children, command servers), read
 * from /proc at the file's start and end, with its wall time. The suite is CPU-bound on two
 * cores (README, The test suite), so a file's seconds of CPU, not its wall time, are what it
 * takes from the others. test/cpu-accounting.setup.ts writes a line per file, and
 * test/global-setup.ts prints the table at the end of the run. Linux only; elsewhere nothing
 * is written.
 */
export const CPU_LOG = 'suite-cpu.jsonl';

/** This process's CPU and that of its waited-for children, in seconds; undefined without /proc. */
export function cpuSeconds(): { self: number; children: number } | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // The command name is in parentheses and may hold spaces: the fields that follow it.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // utime, stime, cutime, cstime (fields 14 to 17 of proc(5)), in USER_HZ ticks, which Linux
  // fixes at 100 for user space.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15) as [number, number, number, number];
  return { self: (utime + stime) / 100, children: (cutime + cstime) / 100 };
}

/**
 * The whole run's CPU: this process's and its workers', with all they started. A worker
 * counts here once it is reaped, and vitest ends its last workers only after the table is
 * printed: a run of one file read 0 s. The files' own figures (each worker's, with what it
 * started) are then the better total; they leave out only each worker's start-up.
 */
export function runTotal(
  started: { self: number; children: number },
  now: { self: number; children: number },
  files: readonly { cpu: number }[],
): number {
  const reaped = now.self - started.self + now.children - started.children;
  return Math.max(reaped, now.self - started.self + files.reduce((sum, f) => sum + f.cpu, 0));
}

/**
 * The run's CPU by test file (the lines test/cpu-accounting.setup.ts wrote), the costliest
 * first, and the whole run's: this process's and every worker's, with all they started. A
 * file of less than a second of CPU is left out of the table, not of the total.
 */
export function printCpu(dir: string, started: { cpu: ReturnType<typeof cpuSeconds>; wall: number }): void {
  const file = path.join(dir, CPU_LOG);
  const now = cpuSeconds();
  if (!started.cpu || !now || !existsSync(file)) return;
  const files = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; cpu: number; wall: number })
    .sort((a, b) => b.cpu - a.cpu);
  const total = runTotal(started.cpu, now, files);
  const wall = (performance.now() - started.wall) / 1000;
  const lines = files.filter((f) => f.cpu >= 1).map((f) => `${f.cpu.toFixed(1).padStart(7)} ${f.wall.toFixed(1).padStart(7)}  ${f.file}`);
  process.stdout.write(
    `sse-soak tests: ${total.toFixed(0)} s of CPU in ${wall.toFixed(0)} s (${(total / wall).toFixed(2)} of ${os.availableParallelism()} cores busy); by test file, with the processes it started:\n` +
      `  CPU s  wall s  file\n${lines.join('\n')}\n`,
  );
}
