import type { RunStartInfo } from '../harness/progress.ts';
import path from 'node:path';
import type { Command } from 'commander';
import { type LoadedConfig, loadConfig } from '../config/load-config.ts';
import type { SseSoakConfig } from '../config/sse-soak-config.ts';
import { SoakError } from '../errors/soak-error.ts';
import { reportBaseName } from '../report/write-report.ts';
import type { AdapterChoice } from '../server/resolve-adapter.ts';
import { validateSkipChecks } from '../verdict/check-policy.ts';
import type { CliIo } from './io.ts';
import { TargetLog } from './target-log.ts';

/** The flags `run` and `soak` share: the target, where it is served, reports, the config. */
export interface SharedFlags {
  target?: string;
  config?: string;
  adapter?: AdapterChoice;
  reportDir?: string;
  skipCheck?: string[];
}

/** What both commands resolve from their flags and the config file, before anything starts. */
export interface CommandSetup {
  cwd: string;
  loaded: LoadedConfig | undefined;
  config: SseSoakConfig;
  target: string;
  adapter: AdapterChoice | undefined;
  reportDir: string;
  skipChecks: string[];
  startedAt: Date;
  log: TargetLog;
}

/** Flags override the config file (./sse-soak.config.* or --config); the config overrides defaults. */
export async function commandSetup(flags: SharedFlags, io: CliIo, verbose: boolean): Promise<CommandSetup> {
  const cwd = process.cwd();
  const loaded = await loadConfig(flags.config, cwd);
  const config = loaded?.config ?? {};
  const reportDir = path.resolve(cwd, flags.reportDir ?? config.reportDir ?? 'reports');
  const startedAt = new Date();
  return {
    cwd,
    loaded,
    config,
    target: flags.target ?? config.target ?? 'reference',
    adapter: flags.adapter ?? config.adapter,
    reportDir,
    skipChecks: validateSkipChecks([...(config.skipChecks ?? []), ...(flags.skipCheck ?? [])]),
    startedAt,
    log: new TargetLog(path.join(reportDir, `${reportBaseName(startedAt.toISOString())}.target.log`), verbose ? io.stderr : undefined),
  };
}

/** The line both commands print first: what is measured, on what, with which config. */
export type StartLineInfo = RunStartInfo;

export function startLine(setup: CommandSetup, what: StartLineInfo): string {
  const config = setup.loaded ? ` (config ${path.relative(setup.cwd, setup.loaded.file)})` : '';
  const streams = streamLine(what);
  const server = what.server ?? `@hono/node-server ${what.adapter ?? '?'}, node ${process.version}`;
  const left = (what.omitted ?? []).map((o) => `  ${o.scenario} left out: ${o.reason}\n`).join('');
  return `sse-soak: ${what.target} on ${server}: ${what.scenarios.join(', ')}${config}\n${streams ? `  ${streams}\n` : ''}${left}`;
}

/**
 * The target line's second line, when the streams are opened or established in a way that
 * is not the plain default: `POST /chat (headers: accept, authorization, content-type; 52 B
 * body; a new request per connection); established at the response (no event within 500 ms)`.
 */
export function streamLine(what: Pick<StartLineInfo, 'path' | 'request' | 'establishment'>): string | undefined {
  const parts: string[] = [];
  const r = what.request;
  if (r && (r.method !== 'GET' || r.bodyBytes > 0 || r.perConnection || r.headers.some((h) => h !== 'accept'))) {
    const details = [
      `headers: ${r.headers.join(', ')}`,
      ...(r.bodyBytes > 0 ? [`${r.bodyBytes} B body`] : []),
      ...(r.perConnection ? ['a new request per connection'] : []),
    ];
    parts.push(`${r.method} ${what.path ?? ''} (${details.join('; ')})`);
  }
  const e = what.establishment;
  if (e?.at === 'response') parts.push(`streams established at their response (no event within ${e.quietMs} ms of it)`);
  else if (e?.at === 'first-event') parts.push('streams established at their first event (no firstEvent named)');
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Runs a command's work; an error it throws still says where the target's output went, on
 * its one line (a handler's stack trace is in the log, not on the terminal).
 */
export async function withTargetLog<T>(setup: CommandSetup, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SoakError && setup.log.lines > 0) {
      error.message += `; the target's output (${setup.log.lines} line${setup.log.lines === 1 ? '' : 's'}): ${path.relative(setup.cwd, setup.log.file) || setup.log.file}`;
    }
    throw error;
  }
}

/** Whether --verbose was given, on the command or before it. */
export function isVerbose(command: Command): boolean {
  return Boolean(command.optsWithGlobals().verbose);
}
