import os from 'node:os';
import { packageInfo, packageRoot } from '../package-info.ts';
import { resolvePackage } from './package-versions.ts';
import { REPORT_SCHEMA_VERSION, type Report, type ReportEnvelope } from './report.ts';

/** The report's `environment`: the runtime and the versions a verdict depends on. */
export function reportEnvironment(): Report['environment'] {
  const packages: Record<string, string> = {};
  for (const name of ['hono', '@hono/node-server', 'undici', 'eventsource']) {
    const found = resolvePackage(name, packageRoot);
    if (found) packages[name] = found.version;
  }
  return { node: process.version, platform: process.platform, arch: process.arch, cpus: os.availableParallelism(), packages };
}

/** The fields every report opens with, for a run that started at `startedAt` (`started` on the performance clock). */
export function reportEnvelope(startedAt: Date, started: number): ReportEnvelope {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'sse-soak', version: packageInfo.version },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    environment: reportEnvironment(),
  };
}
