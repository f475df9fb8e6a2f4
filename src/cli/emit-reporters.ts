import { appendFile } from 'node:fs/promises';
import { UsageError } from '../errors/soak-error.ts';
import type { Report } from '../report/report.ts';
import { writeFileAtomic } from '../report/write-atomic.ts';
import { toGithubAnnotations } from '../reporters/github.ts';
import { toJunit } from '../reporters/junit.ts';
import { toMarkdown } from '../reporters/markdown.ts';
import type { CliIo } from './io.ts';

export const reporterNames = ['junit', 'github', 'markdown'] as const;
export type ReporterName = (typeof reporterNames)[number];

/** The reporters asked for, plus `github` on GitHub Actions; validated before the run. */
export function chooseReporters(asked: readonly string[] | undefined, io: CliIo): ReporterName[] {
  const unknown = (asked ?? []).filter((r) => !(reporterNames as readonly string[]).includes(r));
  if (unknown.length) {
    throw new UsageError(`unknown reporter ${unknown.map((r) => `'${r}'`).join(', ')} (known: ${reporterNames.join(', ')})`, {
      code: 'SSE_SOAK_UNKNOWN_REPORTER',
    });
  }
  const chosen = new Set(asked as ReporterName[] | undefined);
  if (io.env.GITHUB_ACTIONS === 'true') chosen.add('github');
  return [...chosen];
}

/**
 * Writes what each reporter makes next to the JSON report (`.junit.xml`, `.md`); `github`
 * prints annotations (on stdout, where the runner reads workflow commands; on stderr when
 * --json reserves stdout) and appends the Markdown summary to $GITHUB_STEP_SUMMARY.
 * Returns the files written.
 */
export async function emitReporters(
  report: Report,
  reportFile: string,
  reporters: readonly ReporterName[],
  io: CliIo,
  json: boolean,
): Promise<string[]> {
  const written: string[] = [];
  const base = reportFile.replace(/\.json$/, '');
  for (const reporter of reporters) {
    if (reporter === 'junit') {
      await writeFileAtomic(`${base}.junit.xml`, toJunit(report));
      written.push(`${base}.junit.xml`);
    } else if (reporter === 'markdown') {
      await writeFileAtomic(`${base}.md`, toMarkdown(report));
      written.push(`${base}.md`);
    } else {
      const lines = toGithubAnnotations(report);
      if (lines.length) (json ? io.stderr : io.stdout).write(`${lines.join('\n')}\n`);
      if (io.env.GITHUB_STEP_SUMMARY) await appendFile(io.env.GITHUB_STEP_SUMMARY, toMarkdown(report));
    }
  }
  return written;
}
