import path from 'node:path';
import type { Command } from 'commander';
import { scenarios } from '../../../scenarios/index.ts';
import { megabytes } from '../../report/format-bytes.ts';
import { writeFileAtomic } from '../../report/write-atomic.ts';
import { reportBaseName, writeReport } from '../../report/write-report.ts';
import { describeRetained } from '../../soak/heap-snapshots.ts';
import { describeCapacity } from '../../soak/capacity.ts';
import { soakHtml } from '../../soak/html-report.ts';
import { executeSoak } from '../../soak/execute-soak.ts';
import { defaultSoakSettings, parseDuration, parseMix, type SoakSettings } from '../../soak/soak-options.ts';
import { exitCodeFor } from '../../verdict/verdicts.ts';
import { colourEnabled, painter } from '../colour.ts';
import { commandSetup, isVerbose, type SharedFlags, startLine, withTargetLog } from '../command-setup.ts';
import { addTargetOptions, commandTarget, withRequestModule } from './run.ts';
import { formatRunLine, formatScenarioLine } from '../format-result.ts';
import { interruptible } from '../interruptible.ts';
import type { CliIo } from '../io.ts';
import { integerIn } from '../parse-integer.ts';

interface SoakFlags extends SharedFlags {
  duration?: string;
  connections?: number;
  mix?: string;
  concurrency?: number;
  open?: number;
  churn: boolean;
  sampleEvery?: number;
  json?: boolean;
  progress: boolean;
  /** A folder, true (the default folder) or false (`--no-snapshots`). */
  snapshots?: string | boolean;
}

const kinds = scenarios.filter((s) => s.kind === 'connections').map((s) => s.name);

export function registerSoak(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('soak')
    .description('continuous churn in a mix of disconnects while streams stay open; judge the heap trend; JSON + HTML report');
  addTargetOptions(command)
    .option('--duration <time>', `stop after this long: 30s, 5m, 1h (default: ${defaultSoakSettings.durationMs / 1000}s)`)
    .option('--connections <n>', 'stop after this many connections (whichever comes first)', integerIn(1))
    .option(
      '--mix <kinds>',
      `disconnect kinds and weights (default: ${Object.entries(defaultSoakSettings.mix)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')})`,
    )
    .option('--concurrency <n>', `connections in flight (default: ${defaultSoakSettings.concurrency})`, integerIn(1, 10_000))
    .option(
      '--open <k>',
      `long-lived streams held open, receiving events; opened in steps, each read for memory per stream and fan-out latency (default: ${defaultSoakSettings.open}, at most 10000)`,
      integerIn(0, 10_000),
    )
    .option('--no-churn', 'a capacity run: open the --open streams in steps and measure them, with no churn (no heap snapshots)')
    .option(
      '--sample-every <n>',
      `connections between samples (default: ${defaultSoakSettings.sampleEvery}, or often enough for a trend when --connections is under 1750)`,
      integerIn(1),
    )
    .option(
      '--snapshots [dir]',
      'heap snapshots at the end of the warm-up and at the end, diffed by constructor (default: on, into <report-dir>/<report name>.snapshots)',
    )
    .option('--no-snapshots', 'no heap snapshots (each one stops the process for about a second per 10 to 15 MB of heap)')
    .option('--json', 'print the report on stdout (and nothing else)')
    .option('--no-progress', 'no progress line, even on a TTY')
    .addHelpText(
      'after',
      `\nReads the same config file as run (target, adapter, reportDir, reference, skipChecks, and the settings its kinds run with); flags override it.\nKinds: ${kinds.join(', ')}. Exit status: 0 no growth, 1 growth or a leak, 2 usage, 3 could not complete\nor a check could not measure, 130 interrupted.`,
    )
    .action(async (commandArgs: string[], flags: SoakFlags, cmd: Command) => {
      const command = await withRequestModule(
        commandTarget(commandArgs, flags as unknown as Partial<Record<string, unknown>>),
        flags as unknown as Partial<Record<string, unknown>>,
      );
      const setup = await commandSetup(flags, io, isVerbose(cmd));
      const settings: Partial<SoakSettings> = {
        ...(flags.duration !== undefined ? { durationMs: parseDuration(flags.duration) } : {}),
        ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
        // A count alone bounds the soak: the default duration then does not cut it short.
        ...(flags.connections !== undefined && flags.duration === undefined ? { durationMs: Number.MAX_SAFE_INTEGER } : {}),
        ...(flags.mix !== undefined ? { mix: parseMix(flags.mix, kinds) } : {}),
        ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        ...(flags.open !== undefined ? { open: flags.open } : {}),
        ...(flags.sampleEvery !== undefined ? { sampleEvery: flags.sampleEvery } : {}),
        ...(flags.churn ? {} : { churn: false }),
      };
      const tty = Boolean(io.stderr.isTTY) && flags.progress;
      const snapshotDir =
        flags.snapshots === false || (!flags.churn && flags.snapshots === undefined)
          ? undefined
          : typeof flags.snapshots === 'string'
            ? path.resolve(flags.snapshots)
            : path.resolve(setup.reportDir, `${reportBaseName(setup.startedAt.toISOString())}.snapshots`);
      const shown = (file: string) => path.relative(process.cwd(), file) || file;
      await interruptible(io, async (signal) => {
        const report = await withTargetLog(setup, () =>
          executeSoak({
            ...(command ? { command } : { target: setup.target }),
            adapter: setup.adapter,
            reference: setup.config.reference,
            cwd: setup.cwd,
            settings,
            scenarioSettings: setup.config.settings,
            skipChecks: setup.skipChecks,
            signal,
            startedAt: setup.startedAt,
            output: setup.log.write,
            onStart: (info) => io.stderr.write(startLine(setup, info)),
            ...(snapshotDir
              ? {
                  snapshots: {
                    dir: snapshotDir,
                    onWrite: (f) => {
                      if (tty) io.stderr.write('\r\u001b[K');
                      io.stderr.write(
                        `  heap snapshot (${f.label}, ${f.connections} connections): ${shown(f.file)}, ${megabytes(f.bytes)} in ${(f.ms / 1000).toFixed(1)} s\n`,
                      );
                    },
                  },
                }
              : {}),
            onCapacityStep: (s) => {
              if (tty) io.stderr.write(`\r  opening held streams: ${s.open}, heap ${megabytes(s.heapUsed)}\u001b[K`);
            },
            onSample: (s) => {
              if (tty) io.stderr.write(`\r  soak ${s.connections} connections, heap ${megabytes(s.heapUsed)}, ${s.timers} timers\u001b[K`);
            },
          }),
        );
        if (tty) io.stderr.write('\r\u001b[K');
        io.stderr.write(`${formatScenarioLine(report.scenarios[0]!, painter(colourEnabled(io)))}\n`);
        for (const line of report.capacity ? describeCapacity(report.capacity) : []) io.stderr.write(`  ${line}\n`);
        if (report.snapshots?.diff) {
          const label = report.verdict === 'fail' ? 'retained since the warm-up' : 'largest growth since the warm-up, no leak judged';
          io.stderr.write(`  ${label} (heap snapshots): ${describeRetained(report.snapshots.diff)}\n`);
          // Who holds it: the top clusters of retainer paths, one line each (all of them are in the reports).
          for (const c of report.snapshots.diff.retainers?.clusters.slice(0, 2) ?? []) io.stderr.write(`  held: ${c.summary}\n`);
        } else if (report.snapshots?.error) io.stderr.write(`  no snapshot diff: ${report.snapshots.error}\n`);
        const file = await writeReport(setup.reportDir, report);
        const html = file.replace(/\.json$/, '.html');
        await writeFileAtomic(html, soakHtml(report, html));
        const logLine = setup.log.summary(setup.cwd);
        if (logLine) io.stderr.write(`${logLine}\n`);
        io.stderr.write(`${formatRunLine(report, shown(file))}\nsse-soak: HTML report ${shown(html)}\n`);
        io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${shown(file)}\n`);
        setExitCode(exitCodeFor(report));
      });
    });
}
