import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { quickLeak, runBinary } from './run-binary.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'sse-soak-gate-'));
const quick = ['--scenario', 'socket-destroy', '--connections', '40', '--skip-check', 'heap'];
const fixtures = path.join('test', 'fixtures', 'reports');

describe('CI gate (the real binary)', () => {
  it('--reporter junit markdown writes both next to the JSON report', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary(['run', ...quick, '--report-dir', dir, '--reporter', 'junit', 'markdown']);
    expect(code, stderr).toBe(0);
    const base = stdout.trim().replace(/\.json$/, '');
    expect(XMLValidator.validate(readFileSync(`${base}.junit.xml`, 'utf8'))).toBe(true);
    expect(readFileSync(`${base}.md`, 'utf8')).toMatch(/^## sse-soak: ✅ pass/);
    expect(stderr).toMatch(/wrote .*\.junit\.xml/);
  });

  it('on GitHub Actions: annotations at the leaking line and a step summary, automatically', async () => {
    const dir = tempDir();
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const { code, stdout } = await runBinary(quickLeak(dir), { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error file=src\/reference\/stream-session\.ts,line=\d+,title=sse-soak pre-aborted%3A leaked setInterval::/m);
    expect(readFileSync(summary, 'utf8')).toMatch(/^# earlier step\n## sse-soak: ❌ fail/);
  });

  it('a baseline: written on purpose, then only regressions fail', async () => {
    const dir = tempDir();
    const baseline = path.join(dir, 'baseline.json');
    const write = await runBinary(['run', ...quick, '--report-dir', dir, '--baseline', baseline, '--update-baseline']);
    expect(write.code, write.stderr).toBe(0);
    expect(existsSync(baseline)).toBe(true);

    const same = await runBinary(['run', ...quick, '--report-dir', dir, '--baseline', baseline]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/against baseline .*\n[\s\S]*No regressions\./);

    const leak = await runBinary(['run', ...quick, '--target', 'reference:process-listener', '--report-dir', dir, '--baseline', baseline]);
    expect(leak.code).toBe(1);
    expect(leak.stderr).toMatch(/\| socket-destroy \| process-listeners \| pass \| fail \+40 \| \*\*regressed\*\* \|/);

    // A failing run never becomes the baseline by accident: the leak would be grandfathered.
    const knownBase = path.join(dir, 'known.json');
    const leaky = ['run', ...quick, '--target', 'reference:process-listener', '--report-dir', dir, '--baseline', knownBase];
    const refused = await runBinary([...leaky, '--update-baseline']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not writing the baseline .*known\.json: this run did not pass \(fail\); add --accept-failures/);
    expect(existsSync(knownBase)).toBe(false);
    // Accepted on purpose, it is a known failure: not a regression, and listed on every compare.
    expect((await runBinary([...leaky, '--update-baseline', '--accept-failures'])).code).toBe(1);
    const known = await runBinary(leaky);
    expect(known.code, known.stderr).toBe(0);
    expect(known.stderr).not.toMatch(/No regressions\./);
    expect(known.stderr).toMatch(
      /No new regressions\.\nStill failing, accepted in the baseline \(not fixed\): socket-destroy\/process-listeners/,
    );
  });

  it('compare: identical passes, a new failure fails, a bad file is a usage error', async () => {
    const fixed = path.join(fixtures, 'fixed.json');
    const leaky = path.join(fixtures, 'cancel-only.json');
    expect((await runBinary(['compare', fixed, fixed])).code).toBe(0);
    const worse = await runBinary(['compare', fixed, leaky]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/\| pre-aborted \| timers \| pass \| fail \+\d+ \| \*\*regressed\*\* \|/);
    const bad = await runBinary(['compare', fixed, 'package.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/head .*package\.json is not an sse-soak report/);
    expect((await runBinary(['run', '--update-baseline'])).stderr).toMatch(/--update-baseline needs --baseline/);
    expect((await runBinary(['run', '--reporter', 'tap'])).stderr).toMatch(/unknown reporter 'tap'/);
  });

  it.each([
    [{ FORCE_COLOR: '1' }, true],
    [{ NO_COLOR: '1' }, false],
    [{}, false], // not a TTY
  ])('colour with %j: %s', async (env, coloured) => {
    const { stderr } = await runBinary(
      ['run', '--scenario', 'socket-destroy', '--connections', '20', '--skip-check', 'heap', '--report-dir', tempDir()],
      {
        env: { FORCE_COLOR: undefined, NO_COLOR: undefined, ...env },
      },
    );
    expect(stderr.includes('\u001b[32mPASS')).toBe(coloured);
  });
});
