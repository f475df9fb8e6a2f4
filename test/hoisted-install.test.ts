import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';

/**
 * sse-soak installed as users install it: `npm pack`, then `npm install` of the tarball into
 * a project that also depends on undici and hono, so npm hoists one undici for both. The
 * target fetches a token per connection with an undici Client of its own; the leaky one
 * never closes it. The same undici file then arms the harness's timers and the target's:
 * the target's are counted, with their site, and the harness's never are.
 */
describe('a hoisted install (npm pack, npm install)', () => {
  let app: string;
  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-hoisted-'));
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
      cwd: packageRoot,
      encoding: 'utf8',
    }).trim();
    app = path.join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'app',
        private: true,
        type: 'module',
        dependencies: { 'sse-soak': `file:../${tarball}`, undici: '^7.0.0', hono: '^4.0.0' },
      }),
    );
    // The registry's packages are in npm's cache after `npm ci`; scripts are not needed (dist/ is packed).
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: app,
      stdio: 'ignore',
    });
    copyFileSync(path.join(packageRoot, 'test', 'fixtures', 'hoisted', 'token-fetch.mjs'), path.join(app, 'target.mjs'));
  }, 120_000);

  const run = (leak: boolean) => {
    const args = [
      'node_modules/sse-soak/bin/sse-soak.js',
      'run',
      '--target',
      'target.mjs',
      '--scenario',
      'clean-close',
      '--connections',
      '60',
      '--skip-check',
      'heap',
      '--json',
    ];
    try {
      return {
        code: 0,
        report: JSON.parse(
          execFileSync(process.execPath, args, {
            cwd: app,
            encoding: 'utf8',
            env: { ...process.env, LEAK: leak ? '1' : '0' },
            stdio: ['ignore', 'pipe', 'ignore'],
          }),
        ) as Report,
      };
    } catch (error) {
      const e = error as { status: number; stdout: string };
      return { code: e.status, report: JSON.parse(e.stdout) as Report };
    }
  };

  it('npm hoisted undici: one copy, next to sse-soak', () => {
    expect(readdirSync(path.join(app, 'node_modules'))).toEqual(expect.arrayContaining(['sse-soak', 'undici', 'hono']));
    expect(readdirSync(path.join(app, 'node_modules', 'sse-soak'))).not.toContain('node_modules');
  });

  it("counts the target's own undici timers, one per leaked client, at undici's line; never the harness's", () => {
    const { code, report } = run(true);
    expect(code).toBe(1);
    const timers = report.scenarios[0]!.checks.find((c) => c.meter === 'timers')!;
    expect(timers).toMatchObject({ verdict: 'fail', leaked: 60 });
    expect(timers.sites).toEqual([
      { site: expect.stringMatching(/^node_modules\/undici\/lib\/dispatcher\/client-h1\.js:\d+$/), count: 60, kind: 'setTimeout' },
    ]);
  });

  it('passes the same target once it closes its client, although the harness used the same undici throughout', () => {
    const { code, report } = run(false);
    expect(code, JSON.stringify(report.scenarios[0]!.checks)).toBe(0);
  });
});
