import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';

export const bin = path.join(packageRoot, 'bin', 'sse-soak.js');

export interface BinaryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real binary (the built dist/) to completion, as a user's shell would. */
export function runBinary(
  args: string[],
  options: { cwd?: string; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<BinaryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? packageRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      stderr += b;
      options.onStderr?.(stderr, child);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Two quick scenarios, counts only: the first scenario of a run and one after it. */
export const twoQuickScenarios = ['--scenario', 'clean-close,socket-destroy', '--connections', '40', '--skip-check', 'heap'];

/** A quick run that leaks: cancel-only's late disconnects, 60 connections, counts only. */
export function quickLeak(reportDir: string): string[] {
  return [
    'run',
    '--target',
    'reference:cancel-only',
    '--scenario',
    'pre-aborted',
    '--connections',
    '60',
    '--skip-check',
    'heap',
    '--report-dir',
    reportDir,
  ];
}

/**
 * A `run` of the real binary with its report read back: the report, the exit code and stderr.
 * A run in a process of its own decides sooner than the same run inside a vitest worker,
 * whose larger heap makes every forced GC slower and every heap sample noisier.
 */
export async function runReport(args: string[], options: Parameters<typeof runBinary>[1] = {}): Promise<BinaryResult & { report: Report }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-run-'));
  const result = await runBinary(['run', '--report-dir', dir, ...args], options);
  if (result.code !== 0 && result.code !== 1 && result.code !== 3) throw new Error(`sse-soak run exited ${result.code}:\n${result.stderr}`);
  return { ...result, report: JSON.parse(readFileSync(result.stdout.trim(), 'utf8')) as Report };
}
