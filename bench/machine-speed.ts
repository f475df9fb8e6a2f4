/**
 * How fast this machine is right now: the milliseconds a fixed single-threaded CPU job takes
 * in a fresh Node process (a SHA-256 chain and two million small objects), the median of
 * three. This machine is a virtual one whose speed drifts with its host: the same suite took
 * 318 s in one hour and 347 to 401 s in the next, while this job went from 750-880 ms to
 * 850-1,100. A figure measured beside it can be compared across hours and sessions.
 */
import { spawnSync } from 'node:child_process';

const job = `
const { createHash } = require('node:crypto');
const t = process.hrtime.bigint();
let x = Buffer.alloc(1024, 1);
for (let i = 0; i < 200000; i++) x = createHash('sha256').update(x).digest();
let o = [];
for (let i = 0; i < 2e6; i++) o.push({ i, s: 'a' + i });
o = null;
process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));
`;

export function machineSpeedMs(times = 3): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const out = spawnSync(process.execPath, ['-e', job], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`the machine-speed job failed: ${out.stderr}`);
    ms.push(Number(out.stdout));
  }
  return [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
}
