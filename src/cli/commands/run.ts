import path from 'node:path';
import { type Command, Option } from 'commander';
import { scenarios } from '../../../scenarios/index.ts';
import { loadConfig } from '../../config/load-config.ts';
import { defaultSettings, type RunSettings } from '../../harness/defaults.ts';
import { runSoak } from '../../harness/run-soak.ts';
import { writeReport } from '../../report/write-report.ts';
import { type AdapterChoice, adapterChoices } from '../../server/resolve-adapter.ts';
import { exitCodeFor } from '../../verdict/verdicts.ts';
import { compareReports, formatComparison } from '../../compare/compare-reports.ts';
import { UsageError } from '../../errors/soak-error.ts';
import { readReport } from '../../report/read-report.ts';
import { writeFileAtomic } from '../../report/write-atomic.ts';
import { colourEnabled, painter } from '../colour.ts';
import { chooseReporters, emitReporters, reporterNames } from '../emit-reporters.ts';
import { formatRunLine, formatScenarioLine } from '../format-result.ts';
import { interruptible } from '../interruptible.ts';
import type { CliIo } from '../io.ts';
import { integerIn } from '../parse-integer.ts';

interface RunFlags {
  target?: string;
  scenario?: string[];
  connections?: number;
  reportDir?: string;
  json?: boolean;
  progress: boolean;
  config?: string;
  adapter?: AdapterChoice;
  idleTimeout?: number;
  heapLimit?: number;
  timeout?: number;
  reporter?: string[];
  baseline?: string;
  updateBaseline?: boolean;
}

export function registerRun(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('run the disconnect scenarios against a target, write a JSON report, exit non-zero on a leak')
    .option('--target <spec>', "'reference' (default), 'reference:<variant>' or a target module (.ts, .mts, .js, .mjs)")
    .option('--scenario <name...>', `scenarios to run (default: all): ${scenarios.map((s) => s.name).join(', ')}`)
    .option('--connections <n>', `measured connections per scenario (default: ${defaultSettings.connections})`, integerIn(1, 1_000_000))
    .option('--report-dir <dir>', 'where the JSON report goes (default: reports)')
    .option('--json', 'print the report on stdout (and nothing else)')
    .option('--no-progress', 'no progress line, even on a TTY')
    .option('--config <file>', 'config file (default: ./sse-soak.config.{ts,mts,js,mjs} when present)')
    .addOption(
      new Option('--adapter <which>', "@hono/node-server to serve with: the target project's, sse-soak's, or auto (default)").choices(
        adapterChoices as string[],
      ),
    )
    .option('--idle-timeout <ms>', `idle-kill: the proxy's idle timeout (default: ${defaultSettings.idleTimeoutMs})`, integerIn(1))
    .option('--heap-limit <bytes>', `heap check: bytes per connection (default: ${defaultSettings.heapLimitBytesPerConnection})`, integerIn(0))
    .option('--reporter <name...>', `also write or print: ${reporterNames.join(', ')} (github is automatic when GITHUB_ACTIONS=true)`)
    .option('--baseline <report.json>', 'compare with this report: exit 1 only on regressions (new failures, heap that rose, checks gone)')
    .option('--update-baseline', 'write this run\'s report to the --baseline file instead of comparing')
    .option('--timeout <ms>', `deadline for one connection, and for the target's first answer (default: ${defaultSettings.connectionTimeoutMs})`, integerIn(1))
    .addHelpText(
      'after',
      '\nFlags override the config file. Exit status: 0 every check passed, 1 a leak was found,\n2 usage error, 3 a scenario could not complete, 130 interrupted.',
    )
    .action(async (flags: RunFlags) => {
      setExitCode(await run(flags, io));
    });
}

async function run(flags: RunFlags, io: CliIo): Promise<number> {
  const cwd = process.cwd();
  const loaded = await loadConfig(flags.config, cwd);
  const config = loaded?.config ?? {};
  const settings: Partial<RunSettings> = {
    ...config.settings,
    ...(config.connections !== undefined ? { connections: config.connections } : {}),
    ...(config.thresholds?.heapBytesPerConnection !== undefined
      ? { heapLimitBytesPerConnection: config.thresholds.heapBytesPerConnection }
      : {}),
    ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
    ...(flags.idleTimeout !== undefined ? { idleTimeoutMs: flags.idleTimeout } : {}),
    ...(flags.heapLimit !== undefined ? { heapLimitBytesPerConnection: flags.heapLimit } : {}),
    ...(flags.timeout !== undefined ? { connectionTimeoutMs: flags.timeout } : {}),
  };
  const reportDir = flags.reportDir ?? config.reportDir ?? 'reports';
  const reporters = chooseReporters(flags.reporter, io);
  if (flags.updateBaseline && !flags.baseline) {
    throw new UsageError('--update-baseline needs --baseline <file>: the file to write', { code: 'SSE_SOAK_USAGE' });
  }
  const baseline = flags.baseline && !flags.updateBaseline ? readReport(path.resolve(cwd, flags.baseline), 'baseline') : undefined;
  const paint = painter(colourEnabled(io));

  const tty = Boolean(io.stderr.isTTY) && flags.progress;
  let progressShown = false;
  return interruptible(io, async (signal) => {
    const report = await runSoak(scenarios, {
      target: flags.target ?? config.target ?? 'reference',
      scenarios: flags.scenario ?? config.scenarios,
      adapter: flags.adapter ?? config.adapter,
      reference: config.reference,
      settings,
      cwd,
      signal,
      onProgress: (event) => {
        if (event.type === 'run-start') {
          io.stderr.write(
            `sse-soak: ${event.target} on @hono/node-server ${event.adapter ?? '?'}, node ${process.version}: ${event.scenarios.join(', ')}${loaded ? ` (config ${path.relative(cwd, loaded.file)})` : ''}\n`,
          );
        } else if (event.type === 'progress' && tty) {
          io.stderr.write(`\r  ${event.scenario} ${event.done}/${event.total}\u001b[K`);
          progressShown = true;
        } else if (event.type === 'scenario-end') {
          if (progressShown) io.stderr.write('\r\u001b[K');
          progressShown = false;
          io.stderr.write(`${formatScenarioLine(event.result, paint)}\n`);
        }
      },
    });
    const file = await writeReport(reportDir, report);
    const shown = path.relative(cwd, file) || file;
    io.stderr.write(`${formatRunLine(report, shown)}\n`);
    io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${shown}\n`);
    for (const extra of await emitReporters(report, file, reporters, io, Boolean(flags.json))) {
      io.stderr.write(`sse-soak: wrote ${path.relative(cwd, extra) || extra}\n`);
    }
    if (flags.updateBaseline) {
      await writeFileAtomic(path.resolve(cwd, flags.baseline!), `${JSON.stringify(report, null, 2)}\n`);
      io.stderr.write(`sse-soak: baseline ${flags.baseline} updated\n`);
    }
    const code = exitCodeFor(report);
    if (!baseline || code === 130 || code === 3) return code;
    const comparison = compareReports(baseline, report);
    io.stderr.write(`\nagainst baseline ${flags.baseline}:\n${formatComparison(comparison)}\n`);
    return comparison.regressions.length > 0 ? 1 : 0;
  });
}
