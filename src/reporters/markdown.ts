import { scenarioFindings } from '../report/describe-scenario.ts';
import type { Report } from '../report/report.ts';

const icon = { pass: '✅', fail: '❌', error: '⚠️' } as const;

/** A Markdown summary: for $GITHUB_STEP_SUMMARY, a pull-request comment, or another CI's page. */
export function toMarkdown(report: Report): string {
  const lines = [
    `## sse-soak: ${icon[report.verdict]} ${report.verdict}${report.interrupted ? ' (interrupted)' : ''}`,
    '',
    `Target \`${report.target.name}\` on @hono/node-server ${report.target.adapter?.version ?? '?'}, Node ${report.environment.node}, ${(report.durationMs / 1000).toFixed(1)} s.`,
    '',
    '| scenario | verdict | connections | findings |',
    '| --- | --- | --- | --- |',
  ];
  for (const s of report.scenarios) {
    const { problems, skipped, notApplicable, undecided } = scenarioFindings(s);
    const what =
      [
        ...problems,
        ...undecided,
        ...(skipped.length ? [`skipped: ${skipped.join(', ')} (turned off)`] : []),
        ...(notApplicable.length ? [`not applicable: ${notApplicable.join(', ')}`] : []),
        ...(s.notes ?? []).map((n) => `note: ${n}`),
      ].join('<br>') || '-';
    lines.push(`| ${s.name} | ${icon[s.verdict]} ${s.verdict} | ${s.connections} | ${what.replaceAll('|', '\\|')} |`);
  }
  const sites = report.scenarios.flatMap((s) =>
    s.checks.flatMap((c) => (c.verdict === 'fail' ? (c.sites ?? []).map((site) => ({ s: s.name, c, site })) : [])),
  );
  if (sites.length) {
    lines.push(
      '',
      '### Where the leaked resources were created',
      '',
      '| scenario | check | count | created at | via |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const { s, c, site } of sites) {
      lines.push(
        `| ${s} | ${c.meter} | ${site.count} × ${site.kind ?? site.event ?? ''} | \`${site.site}\` | ${site.via?.map((v) => `\`${v}\``).join(' < ') ?? ''} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
