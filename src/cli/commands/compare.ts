import path from 'node:path';
import type { Command } from 'commander';
import { compareReports, formatComparison } from '../../compare/compare-reports.ts';
import { readReport } from '../../report/read-report.ts';
import type { CliIo } from '../io.ts';

export function registerCompare(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('compare')
    .description('compare two reports check by check; exit 1 on a regression')
    .argument('<base.json>', 'the baseline report (for example, from the main branch)')
    .argument('<head.json>', 'the report to judge')
    .addHelpText(
      'after',
      "\nA check that passed in the base and fails now, a heap slope whose 95 % interval lies wholly\nabove the base's, and a scenario or check that is gone are regressions.",
    )
    .action((basePath: string, headPath: string) => {
      const base = readReport(path.resolve(basePath), 'base');
      const head = readReport(path.resolve(headPath), 'head');
      const comparison = compareReports(base, head);
      io.stdout.write(`${formatComparison(comparison)}\n`);
      setExitCode(comparison.regressions.length > 0 ? 1 : 0);
    });
}
