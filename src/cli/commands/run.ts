import path from 'node:path';
import type { Command } from 'commander';
import { scenarios } from '../../../scenarios/index.ts';
import { defaultSettings } from '../../harness/defaults.ts';
import { runSoak } from '../../harness/run-soak.ts';
import { writeReport } from '../../report/write-report.ts';
import { exitCodeFor } from '../../verdict/verdicts.ts';
import { formatRunLine, formatScenarioLine } from '../format-result.ts';
import { type CliIo, consoleToStderr } from '../io.ts';
import { integerIn } from '../parse-integer.ts';

interface RunFlags {
  target: string;
  scenario?: string[];
  connections?: number;
  reportDir: string;
  json?: boolean;
  progress: boolean;
  config?: string;
  idleTimeout?: number;
  heapLimit?: number;
}

export function registerRun(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('run the disconnect scenarios against a target, write a JSON report, exit non-zero on a leak')
    .option('--target <spec>', "'reference', 'reference:<variant>' or a target module (.ts, .mts, .js, .mjs)", 'reference')
    .option('--scenario <name...>', `scenarios to run (default: all): ${scenarios.map((s) => s.name).join(', ')}`)
    .option('--connections <n>', `measured connections per scenario (default: ${defaultSettings.connections})`, integerIn(1, 1_000_000))
    .option('--report-dir <dir>', 'where the JSON report goes', 'reports')
    .option('--json', 'print the report on stdout (and nothing else)')
    .option('--no-progress', 'no progress line, even on a TTY')
    .option('--config <file>', 'a config file (sse-soak.config.ts)')
    .option('--idle-timeout <ms>', `idle-kill: the proxy's idle timeout (default: ${defaultSettings.idleTimeoutMs})`, integerIn(1))
    .option('--heap-limit <bytes>', `heap check: bytes per connection (default: ${defaultSettings.heapLimitBytesPerConnection})`, integerIn(0))
    .addHelpText(
      'after',
      '\nExit status: 0 every check passed, 1 a leak was found, 2 usage error, 3 a scenario could not complete, 130 interrupted.',
    )
    .action(async (flags: RunFlags) => {
      setExitCode(await run(flags, io));
    });
}

async function run(flags: RunFlags, io: CliIo): Promise<number> {
  const restoreConsole = consoleToStderr(io);
  const controller = new AbortController();
  const onSigint = () => {
    io.stderr.write('\nsse-soak: interrupted; finishing the report\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const tty = Boolean(io.stderr.isTTY) && flags.progress;
  let progressShown = false;
  try {
    const report = await runSoak(scenarios, {
      target: flags.target,
      scenarios: flags.scenario,
      settings: {
        ...(flags.connections !== undefined ? { connections: flags.connections } : {}),
        ...(flags.idleTimeout !== undefined ? { idleTimeoutMs: flags.idleTimeout } : {}),
        ...(flags.heapLimit !== undefined ? { heapLimitBytesPerConnection: flags.heapLimit } : {}),
      },
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'run-start') {
          io.stderr.write(
            `sse-soak: ${event.target} on @hono/node-server ${event.adapter ?? '?'}, node ${process.version}: ${event.scenarios.join(', ')}\n`,
          );
        } else if (event.type === 'progress' && tty) {
          io.stderr.write(`\r  ${event.scenario} ${event.done}/${event.total}\u001b[K`);
          progressShown = true;
        } else if (event.type === 'scenario-end') {
          if (progressShown) io.stderr.write('\r\u001b[K');
          progressShown = false;
          io.stderr.write(`${formatScenarioLine(event.result)}\n`);
        }
      },
    });
    const file = await writeReport(flags.reportDir, report);
    const shown = path.relative(process.cwd(), file) || file;
    io.stderr.write(`${formatRunLine(report, shown)}\n`);
    io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${shown}\n`);
    return exitCodeFor(report);
  } finally {
    process.off('SIGINT', onSigint);
    restoreConsole();
  }
}
