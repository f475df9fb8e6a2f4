import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.ts';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';
import { runBinary } from './run-binary.ts';

function project(config: string, name = 'sse-soak.config.mjs'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-config-'));
  writeFileSync(path.join(dir, name), config);
  return dir;
}

describe('config file', () => {
  it('is found in the current directory; its paths resolve from its folder; flags override it', async () => {
    const dir = project(
      "export default { target: 'reference:fixed', scenarios: ['socket-destroy'], connections: 40, skipChecks: ['heap'], reportDir: 'out', thresholds: { heapBytesPerConnection: 2048 } };\n",
    );
    const first = await runBinary(['run'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(path.dirname(path.resolve(dir, first.stdout.trim()))).toBe(path.join(dir, 'out'));
    const report = JSON.parse(readFileSync(path.resolve(dir, first.stdout.trim()), 'utf8')) as Report;
    expect(report.scenarios.map((s) => [s.name, s.connections])).toEqual([['socket-destroy', 40]]);
    expect(report.settings.heapLimitBytesPerConnection).toBe(2048);

    const second = await runBinary(['run', '--connections', '20', '--json'], { cwd: dir });
    expect((JSON.parse(second.stdout) as Report).scenarios[0]!.connections).toBe(20);
  });

  it('loads a TypeScript config with defineConfig given by --config', async () => {
    const dir = project(
      "import { defineConfig } from 'sse-soak';\nexport default defineConfig({ scenarios: ['clean-close'], connections: 20, skipChecks: ['heap'] });\n",
      'soak.config.ts',
    );
    // As in a user's project, where sse-soak is installed.
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(packageRoot, path.join(dir, 'node_modules', 'sse-soak'));
    // From the package's folder (a config given by path, not found), reporting into the project's.
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--config',
      path.join(dir, 'soak.config.ts'),
      '--report-dir',
      path.join(dir, 'out'),
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    expect((JSON.parse(stdout) as Report).scenarios.map((s) => s.name)).toEqual(['clean-close']);
  });

  it.each([
    ['export default { conections: 10 };\n', /unknown key 'conections'/],
    ["export default { connections: 'many' };\n", /'connections' must be integer/],
    ['export default { settings: { idleTimeoutMs: -1 } };\n', /'settings.idleTimeoutMs' must be >= 1/],
    ["export default { adapter: 'newest' };\n", /'adapter' must be one of auto, project, bundled/],
    ['export default { thresholds: { heap: 1 } };\n', /unknown key 'thresholds.heap'/],
    ['export const x = 1;\n', /has no default export/],
  ])('rejects %j with exit 2, naming the key', async (source, message) => {
    const dir = project(source);
    const { code, stderr } = await runBinary(['run'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('soak reads the same config file and prints the same target line', async () => {
    const dir = project("export default { target: 'reference:cancel-only', reportDir: 'out' };\n");
    const { code, stdout, stderr } = await runBinary(['soak', '--connections', '600', '--sample-every', '40', '--no-snapshots', '--json'], {
      cwd: dir,
    });
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(report.target.name).toBe('reference:cancel-only');
    expect(stderr).toMatch(
      /^sse-soak: reference:cancel-only on @hono\/node-server 1\.19\.19, node v\d+.*: soak \(.*\) \(config sse-soak\.config\.mjs\)$/m,
    );
    expect(readdirSync(path.join(dir, 'out')).some((f) => f.endsWith('.html'))).toBe(true);
  });

  it('a JSON config is found and validated like a module; one that does not parse is one clear line', async () => {
    const dir = project(JSON.stringify({ scenarios: ['socket-destroy'], connections: 120, reportDir: 'out' }), 'sse-soak.config.json');
    const loaded = await loadConfig(undefined, dir);
    expect(loaded?.file).toBe(path.join(dir, 'sse-soak.config.json'));
    expect(loaded?.config).toMatchObject({ scenarios: ['socket-destroy'], connections: 120, reportDir: path.join(dir, 'out') });
    const bad = project(JSON.stringify({ connectons: 120 }), 'sse-soak.config.json');
    await expect(loadConfig(undefined, bad)).rejects.toThrow(/unknown key 'connectons'/);
    const broken = project('{ "connections": 12', 'soak.json');
    await expect(loadConfig('soak.json', broken)).rejects.toThrow(/config .*soak\.json: loading it failed: .*JSON/);
  });

  it('a --config that does not exist is a usage error', async () => {
    const { code, stderr } = await runBinary(['run', '--config', 'nope.config.ts']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/config file not found: .*nope\.config\.ts/);
  });
});
