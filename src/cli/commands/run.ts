import path from 'node:path';
import { type Command, Option } from 'commander';
import { scenarios } from '../../../scenarios/index.ts';
import { compareReports, formatComparison } from '../../compare/compare-reports.ts';
import { UsageError } from '../../errors/soak-error.ts';
import { defaultSettings, type RunSettings } from '../../harness/defaults.ts';
import { runSoak } from '../../harness/run-soak.ts';
import { readReport } from '../../report/read-report.ts';
import { writeFileAtomic } from '../../report/write-atomic.ts';
import { writeReport } from '../../report/write-report.ts';
import { adapterChoices } from '../../server/resolve-adapter.ts';
import { settingsTable } from '../../settings/settings-table.ts';
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
    .option(
      '--skip-check <check...>',
      `turn checks off on purpose, shown as skipped everywhere: ${skippableMeters.join(', ')}, gauge:<name>`,
    );
}

export function registerRun(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run the disconnect scenarios against a target, write a JSON report, exit non-zero on a leak');
  addTargetOptions(command).option('--scenario <name...>', `scenarios to run (default: all): ${scenarios.map((s) => s.name).join(', ')}`);
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
    .action(async (flags: RunFlags, cmd: Command) => {
      setExitCode(await run(flags, io, isVerbose(cmd)));
    });
}

async function run(flags: RunFlags, io: CliIo, verbose: boolean): Promise<number> {
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
    const report = await withTargetLog(setup, () =>
      runSoak(scenarios, {
        target: setup.target,
        scenarios: flags.scenario ?? config.scenarios,
        adapter: setup.adapter,
        reference: config.reference,
        settings,
        skipChecks: setup.skipChecks,
        cwd,
        signal,
        startedAt: setup.startedAt,
        output: setup.log.write,
        onProgress: (event) => {
          if (event.type === 'run-start') {
            io.stderr.write(startLine(setup, event));
          } else if (event.type === 'progress' && tty) {
            io.stderr.write(`\r  ${event.scenario} ${event.done}/${event.total}\u001b[K`);
            progressShown = true;
          } else if (event.type === 'scenario-end') {
            if (progressShown) io.stderr.write('\r\u001b[K');
            progressShown = false;
            io.stderr.write(`${formatScenarioLine(event.result, paint)}\n`);
          }
        },
      }),
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
