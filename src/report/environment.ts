import os from 'node:os';
import { packageRoot } from '../package-info.ts';
import { resolvePackage } from './package-versions.ts';
import type { Report } from './report.ts';

/** The report's `environment`: the runtime and the versions a verdict depends on. */
export function reportEnvironment(): Report['environment'] {
  const packages: Record<string, string> = {};
  for (const name of ['hono', '@hono/node-server', 'undici', 'eventsource']) {
    const found = resolvePackage(name, packageRoot);
    if (found) packages[name] = found.version;
  }
  return { node: process.version, platform: process.platform, arch: process.arch, cpus: os.availableParallelism(), packages };
}
