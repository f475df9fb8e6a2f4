import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHttpStream } from '../clients/http-stream.ts';
import { packageRoot } from '../package-info.ts';

const bin = path.join(packageRoot, 'bin', 'sse-soak.js');

describe('sse-soak serve (the real binary)', () => {
  it('streams events to a client and ends them cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--keepalive', '50', '--publish-every', '80'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
      });
      const stream = await openHttpStream(`${url}/api/acme/events`);
      // The connected event carries the latest id, so it counts the publishes that came before
      // the client: on a loaded machine one 80 ms tick can pass between "listening" and connect.
      const connected = await stream.events.next();
      expect(connected).toMatchObject({ event: 'connected', data: '{}' });
      expect(connected.id).toMatch(/^\d+$/);
      const invalidate = await stream.events.next('invalidate');
      expect(invalidate.data).toBe('{"keys":["projects"]}');
      expect(Number(invalidate.id)).toBe(Number(connected.id) + 1);
      child.kill('SIGINT');
      expect((await stream.events.next('shutdown')).event).toBe('shutdown');
      expect(await stream.ended).toBe('clean');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects an unknown variant with exit 2 and one line', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--variant', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/unknown reference variant 'nope'/);
  });
});
