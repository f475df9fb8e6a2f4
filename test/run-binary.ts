import { spawn } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../src/package-info.ts';

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
