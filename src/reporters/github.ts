import path from 'node:path';
import { describeCheck, heapFigure, undecidedInterval } from '../report/describe-check.ts';
import type { Report } from '../report/report.ts';

// Workflow-command escaping (actions/toolkit, core/src/command.ts).
const escapeData = (s: string) => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const escapeProperty = (s: string) => escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

/** `file:line` inside `cwd` as a repository-relative file and a line, else undefined. */
export function siteInRepo(site: string, cwd: string): { file: string; line: number } | undefined {
  const m = /^(.*):(\d+)$/.exec(site);
  if (!m) return undefined;
  const abs = path.resolve(cwd, m[1]!);
  const rel = path.relative(cwd, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || rel.split(path.sep).includes('node_modules')) return undefined;
  return { file: rel.split(path.sep).join('/'), line: Number(m[2]) };
}

/**
 * GitHub Actions `::error` annotations: one per creation site of a leaked timer or
 * listener that lies inside the repository (so the pull request shows it on that line),
 * and one per other failed check or errored scenario, without a file; a `::warning` per
 * check the user turned off, and a `::notice` per heap check left undecided at the cap.
 */
export function toGithubAnnotations(report: Report, cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const s of report.scenarios) {
    if (s.error && s.error.code !== 'SSE_SOAK_UNMEASURED') {
      out.push(
        `::error title=${escapeProperty(`sse-soak ${s.name}: could not complete`)}::${escapeData(`${s.error.phase}: ${s.error.message}`)}`,
      );
      continue;
    }
    // A heap slope left undecided at the cap passed without ruling a leak out: a notice, with how to decide it.
    for (const c of s.checks.filter((x) => undecidedInterval(x))) {
      out.push(`::notice title=${escapeProperty(`sse-soak ${s.name}: heap undecided`)}::${escapeData(c.reason ?? heapFigure(c))}`);
    }
    for (const c of s.checks.filter((x) => x.verdict === 'skipped' && x.skippedBy === 'user')) {
      out.push(`::warning title=${escapeProperty(`sse-soak ${s.name}: ${c.meter} skipped`)}::${escapeData(c.reason ?? 'turned off')}`);
    }
    for (const c of s.checks.filter((x) => x.verdict === 'fail' || x.verdict === 'error')) {
      const located = (c.sites ?? []).map((site) => ({ site, where: siteInRepo(site.site, cwd) })).filter((x) => x.where);
      for (const { site, where } of located) {
        const what = site.kind ?? (site.event ? `'${site.event}' listener` : 'resource');
        out.push(
          `::error file=${escapeProperty(where!.file)},line=${where!.line},title=${escapeProperty(`sse-soak ${s.name}: leaked ${what}`)}::${escapeData(
            `${site.count} × ${what} created here ${s.name === 'sigterm' ? 'kept the process alive after SIGTERM' : `leaked in ${s.name}`} (${describeCheck(c)})`,
          )}`,
        );
      }
      if (located.length === 0)
        out.push(`::error title=${escapeProperty(`sse-soak ${s.name}: ${c.meter}`)}::${escapeData(describeCheck(c))}`);
    }
  }
  return out;
}
