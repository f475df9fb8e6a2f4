import path from 'node:path';
import { type Command, Option } from 'commander';
import { scenarios } from '../../../scenarios/index.ts';
import { compareReports, formatComparison } from '../../compare/compare-reports.ts';
import { UsageError } from '../../errors/soak-error.ts';
import { defaultSettings, type RunSettings } from '../../harness/defaults.ts';
import { executeRun } from '../../harness/execute-run.ts';
import type { RunProgress } from '../../harness/progress.ts';
import { executeCommandRun } from '../../command/execute-command-run.ts';
import { toWireRequest } from '../../clients/wire-request.ts';
import { readReport } from '../../report/read-report.ts';
import { writeFileAtomic } from '../../report/write-atomic.ts';
import { writeReport } from '../../report/write-report.ts';
import { adapterChoices } from '../../server/resolve-adapter.ts';
import { settingsTable } from '../../settings/settings-table.ts';
import { loadRequestModule } from '../../target/load-target.ts';
import { skippableMeters } from '../../verdict/check-policy.ts';
import { exitCodeFor } from '../../verdict/verdicts.ts';
import { colourEnabled, painter } from '../colour.ts';
import { commandSetup, isVerbose, type SharedFlags, startLine, withTargetLog } from '../command-setup.ts';
import { chooseReporters, emitReporters, reporterNames } from '../emit-reporters.ts';
import { formatRunLine, formatScenarioLine } from '../format-result.ts';
import { interruptible } from '../interruptible.ts';
import type { CliIo } from '../io.ts';
import { integerIn } from '../parse-integer.ts';

interface RunFlags extends SharedFlags, Partial<Record<string, unknown>> {
  scenario?: string[];
  json?: boolean;
  progress: boolean;
  reporter?: string[];
  baseline?: string;
  updateBaseline?: boolean;
  acceptFailures?: boolean;
}

/** commander's name for a flag's value: `--heap-limit` is `heapLimit`. */
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The options every measuring command shares (run and soak). */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--target <spec>', "'reference' (default), 'reference:<variant>' or a target module (.ts, .mts, .js, .mjs)")
    .option('--config <file>', 'config file (default: ./sse-soak.config.{ts,mts,js,mjs} when present)')
    .addOption(
      new Option('--adapter <which>', "@hono/node-server to serve with: the target project's, sse-soak's, or auto (default)").choices(
        adapterChoices as string[],
      ),
    )
    .option('--report-dir <dir>', 'where the reports go (default: reports)')
    .option('--path <path>', 'with a command after --: the SSE endpoint of the server it starts')
    .option('--method <method>', 'with a command: the method that opens a stream (default GET; a target module sets request)')
    .option('--header <header...>', "with a command: a header every stream request sends, 'name: value' (repeatable)")
    .option('--body <text>', 'with a command: the body every stream request sends (with --method POST, for example)')
    .option(
      '--request <module>',
      'with a command: a module whose default export makes each stream request, ({ origin, index, fetch }) => ({ method, headers, body }) (a handshake, a token per connection), or is that request',
    )
    .option('--first-event <name>', 'with a command: the event that marks a stream set up')
    .option('--listen-timeout <ms>', 'with a command: how long its server may take to listen (default: 20000)', integerIn(1))
    .argument('[command...]', "after --: your server command, started with sse-soak's agent preloaded (for example -- node server.js)")
    .option(
      '--skip-check <check...>',
      `turn checks off on purpose, shown as skipped everywhere: ${skippableMeters.join(', ')}, gauge:<name>`,
    );
}

export function registerRun(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run the disconnect scenarios against a target, write a JSON report, exit non-zero on a leak');
  addTargetOptions(command).option(
    '--scenario <name...>',
    `scenarios to run, space- or comma-separated (default: all but the opt-in ones): ${scenarios.map((s) => `${s.name}${s.optIn ? ' (opt-in)' : ''}`).join(', ')}`,
    // `--scenario idle-kill,pre-aborted` means what `--scenario idle-kill pre-aborted` does.
    (value: string, previous: string[] | undefined) => [
      ...(previous ?? []),
      ...value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ],
  );
  for (const spec of settingsTable) {
    if (!spec.flag) continue;
    command.option(
      `--${spec.flag.name} <${spec.flag.value}>`,
      `${spec.flag.help} (default: ${String(defaultSettings[spec.key])})`,
      integerIn(spec.min),
    );
  }
  command
    .option('--json', 'print the report on stdout (and nothing else)')
    .option('--no-progress', 'no progress line, even on a TTY')
    .option('--reporter <name...>', `also write or print: ${reporterNames.join(', ')} (github is automatic when GITHUB_ACTIONS=true)`)
    .option(
      '--baseline <report.json>',
      'compare with this report: exit 1 on regressions (new failures, counts or heap that rose, checks gone or skipped)',
    )
    .option('--update-baseline', "write this run's report to the --baseline file instead of comparing (refused unless the run passed)")
    .option('--accept-failures', 'with --update-baseline: accept the failures of this run as known; every later compare lists them')
    .addHelpText(
      'after',
      "\nFlags override the config file. The target's console output goes to <report>.target.log (--verbose: also here).\nExit status: 0 every check passed, 1 a leak was found, 2 usage error, 3 a scenario could not complete\nor a check could not measure, 130 interrupted.",
    )
    .action(async (commandArgs: string[], flags: RunFlags, cmd: Command) => {
      setExitCode(await run(commandArgs, flags, io, isVerbose(cmd)));
    });
}

/** The command form's flags: the server command after --, its endpoint and request. */
export function commandTarget(argv: readonly string[], flags: Partial<Record<string, unknown>>) {
  const path = flags.path as string | undefined;
  const shaped = flags.method !== undefined || flags.header !== undefined || flags.body !== undefined;
  if (argv.length === 0) {
    if (
      path !== undefined ||
      flags.listenTimeout !== undefined ||
      flags.firstEvent !== undefined ||
      shaped ||
      flags.request !== undefined
    ) {
      throw new UsageError(
        '--path, --method, --header, --body, --request, --first-event and --listen-timeout go with a server command after --, for example: run --path /events -- node server.js',
        { code: 'SSE_SOAK_USAGE' },
      );
    }
    return undefined;
  }
  if (shaped && flags.request !== undefined)
    throw new UsageError('give --request <module> or --method/--header/--body, not both: the module makes the whole request', {
      code: 'SSE_SOAK_USAGE',
    });
  if (flags.target !== undefined) throw new UsageError('give --target or a server command after --, not both', { code: 'SSE_SOAK_USAGE' });
  if (path === undefined)
    throw new UsageError(`a server command needs --path <the SSE endpoint>, for example: run --path /events -- ${argv.join(' ')}`, {
      code: 'SSE_SOAK_USAGE',
    });
  const headers: Record<string, string> = {};
  for (const h of (flags.header as string[] | undefined) ?? []) {
    const at = h.indexOf(':');
    if (at <= 0) throw new UsageError(`--header '${h}' is not 'name: value'`, { code: 'SSE_SOAK_USAGE' });
    headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  return {
    argv,
    path,
    ...(shaped
      ? {
          request: {
            ...(flags.method !== undefined ? { method: flags.method as string } : {}),
            ...(Object.keys(headers).length ? { headers } : {}),
            ...(flags.body !== undefined ? { body: flags.body as string } : {}),
          },
        }
      : {}),
    ...(flags.firstEvent !== undefined ? { firstEvent: flags.firstEvent as string } : {}),
    ...(flags.listenTimeout !== undefined ? { listenTimeoutMs: flags.listenTimeout as number } : {}),
  };
}

/**
 * The server command's request, checked once for run and soak alike: the flags' fixed one,
 * or the one `--request <module>` makes (resolved from the current directory), a fixed
 * request it exports checked as the flags' is.
 */
export async function withRequestModule<C extends ReturnType<typeof commandTarget>>(
  command: C,
  flags: Partial<Record<string, unknown>>,
): Promise<C> {
  if (!command) return command;
  if (typeof flags.request !== 'string') {
    if (command.request) toWireRequest(command.request, '--method/--header/--body');
    return command;
  }
  const request = await loadRequestModule(flags.request, process.cwd());
  if (typeof request !== 'function') toWireRequest(request, `--request ${flags.request}: its default export`);
  return { ...command, request };
}

async function run(commandArgs: string[], flags: RunFlags, io: CliIo, verbose: boolean): Promise<number> {
  const command = await withRequestModule(commandTarget(commandArgs, flags), flags);
  const setup = await commandSetup(flags, io, verbose);
  const { config, cwd } = setup;
  const settings: Partial<RunSettings> = {
    ...config.settings,
    ...(config.connections !== undefined ? { connections: config.connections } : {}),
    ...(config.thresholds?.heapBytesPerConnection !== undefined
      ? { heapLimitBytesPerConnection: config.thresholds.heapBytesPerConnection }
      : {}),
  };
  for (const spec of settingsTable) {
    const value = spec.flag ? flags[camel(spec.flag.name)] : undefined;
    if (value !== undefined) (settings as Record<string, unknown>)[spec.key] = value;
  }
  const reporters = chooseReporters(flags.reporter, io);
  if (flags.updateBaseline && !flags.baseline) {
    throw new UsageError('--update-baseline needs --baseline <file>: the file to write', { code: 'SSE_SOAK_USAGE' });
  }
  if (flags.acceptFailures && !flags.updateBaseline) {
    throw new UsageError('--accept-failures goes with --update-baseline', { code: 'SSE_SOAK_USAGE' });
  }
  const baseline = flags.baseline && !flags.updateBaseline ? readReport(path.resolve(cwd, flags.baseline), 'baseline') : undefined;
  const paint = painter(colourEnabled(io));

  const tty = Boolean(io.stderr.isTTY) && flags.progress;
  let progressShown = false;
  return interruptible(io, async (signal) => {
    const onProgress = (event: RunProgress) => {
      if (event.type === 'run-start') {
        io.stderr.write(startLine(setup, event));
      } else if (event.type === 'progress' && tty) {
        io.stderr.write(`\r  ${event.scenario} ${event.done}/${event.total}\u001b[K`);
        progressShown = true;
      } else if (event.type === 'scenario-end') {
        if (progressShown) io.stderr.write('\r\u001b[K');
        progressShown = false;
        io.stderr.write(`${formatScenarioLine(event.result, paint)}\n`);
      } else if (event.type === 'scenario-omitted') {
        if (progressShown) io.stderr.write('\r\u001b[K');
        progressShown = false;
        io.stderr.write(`  ${event.omitted.scenario} left out: ${event.omitted.reason}\n`);
      }
    };
    const common = {
      scenarios: flags.scenario ?? config.scenarios,
      settings,
      skipChecks: setup.skipChecks,
      cwd,
      signal,
      startedAt: setup.startedAt,
      output: setup.log.write,
      onProgress,
    };
    const report = await withTargetLog(setup, () =>
      command
        ? executeCommandRun(scenarios, { ...command, ...common })
        : executeRun(scenarios, { target: setup.target, adapter: setup.adapter, reference: config.reference, ...common }),
    );
    const file = await writeReport(setup.reportDir, report);
    const shown = path.relative(cwd, file) || file;
    const logLine = setup.log.summary(cwd);
    if (logLine) io.stderr.write(`${logLine}\n`);
    io.stderr.write(`${formatRunLine(report, shown)}\n`);
    io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${shown}\n`);
    for (const extra of await emitReporters(report, file, reporters, io, Boolean(flags.json))) {
      io.stderr.write(`sse-soak: wrote ${path.relative(cwd, extra) || extra}\n`);
    }
    const code = exitCodeFor(report);
    if (flags.updateBaseline) {
      // A baseline that holds a leak would let every later run with the same leak pass.
      if (report.verdict !== 'pass' && !(report.verdict === 'fail' && flags.acceptFailures)) {
        io.stderr.write(
          `sse-soak: error: not writing the baseline ${flags.baseline}: this run did not pass (${report.verdict})${report.verdict === 'fail' ? '; add --accept-failures to record its failures as known' : ''}\n`,
        );
        return 2;
      }
      await writeFileAtomic(path.resolve(cwd, flags.baseline!), `${JSON.stringify(report, null, 2)}\n`);
      io.stderr.write(
        `sse-soak: baseline ${flags.baseline} updated${report.verdict === 'fail' ? ' with its failures accepted as known' : ''}\n`,
      );
      return code;
    }
    if (!baseline || code === 130 || code === 3) return code;
    const comparison = compareReports(baseline, report);
    io.stderr.write(`\nagainst baseline ${flags.baseline}:\n${formatComparison(comparison)}\n`);
    return comparison.regressions.length > 0 ? 1 : 0;
  });
}
