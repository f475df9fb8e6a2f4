import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-info.ts';
import type { Report } from '../report/report.ts';
import { siteInRepo, toGithubAnnotations } from './github.ts';
import { toJunit } from './junit.ts';
import { toMarkdown } from './markdown.ts';

// Fixture reports from real default runs of reference:fixed and reference:cancel-only.
const load = (name: string) =>
  JSON.parse(readFileSync(path.join(packageRoot, 'test', 'fixtures', 'reports', `${name}.json`), 'utf8')) as Report;
const fixed = load('fixed');
const leaky = load('cancel-only');
// A real run of reference:heartbeat-after-setup: socket-destroy and server-close passed with
// the heap left undecided at the cap (its heartbeat holds each gone stream until its next write).
const undecided = load('heartbeat-undecided');

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('junit', () => {
  const parse = (xml: string) => {
    expect(XMLValidator.validate(xml)).toBe(true);
    return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { tests: string; failures: string; errors: string; skipped: string; testsuite: unknown };
    };
  };

  it.each([
    ['fixed', fixed],
    ['cancel-only', leaky],
  ])('%s: one suite per scenario, one case per check, counts that add up', (_name, report) => {
    const doc = parse(toJunit(report)).testsuites;
    const suites = asArray(doc.testsuite as Record<string, unknown>[]);
    expect(suites).toHaveLength(report.scenarios.length);
    let cases = 0;
    let failures = 0;
    let skipped = 0;
    suites.forEach((suite, i) => {
      const s = report.scenarios[i]!;
      const tc = asArray(suite.testcase as Record<string, unknown>[]);
      expect(tc.map((t) => t.name)).toEqual(s.checks.map((c) => c.meter));
      expect(Number(suite.failures)).toBe(tc.filter((t) => t.failure).length);
      expect(Number(suite.skipped)).toBe(tc.filter((t) => t.skipped).length);
      cases += tc.length;
      failures += tc.filter((t) => t.failure).length;
      skipped += tc.filter((t) => t.skipped).length;
    });
    expect(Number(doc.tests)).toBe(cases);
    expect(Number(doc.failures)).toBe(failures);
    expect(Number(doc.skipped)).toBe(skipped);
    expect(failures > 0).toBe(report.verdict === 'fail');
  });

  it('a failure carries the evidence: count, kind and creation site', () => {
    const suites = asArray(parse(toJunit(leaky)).testsuites.testsuite as Record<string, unknown>[]);
    const pre = suites.find((s) => s.name === 'sse-soak pre-aborted')!;
    const timers = asArray(pre.testcase as Record<string, unknown>[]).find((t) => t.name === 'timers')!;
    const failure = timers.failure as { message: string; '#text': string };
    expect(failure.message).toMatch(/^timers \+\d+ \(\d+ × setInterval at src\/reference\/stream-session\.ts:\d+/);
    expect(failure['#text']).toMatch(/via src\/reference\/variants\/cancel-only\.ts:\d+/);
  });

  it('escapes what XML cannot hold', () => {
    const odd = structuredClone(fixed);
    odd.target.name = 'a & b <c> "d"';
    odd.scenarios[0]!.checks[0] = { meter: 'x', verdict: 'fail', reason: 'bad \u0001 <tag> & "quote"' };
    expect(XMLValidator.validate(toJunit(odd))).toBe(true);
  });
});

describe('github', () => {
  it('a passing run has no annotations', () => {
    expect(toGithubAnnotations(fixed, packageRoot)).toEqual([]);
  });

  it('a leak is annotated on the line that created it, with file and line', () => {
    const lines = toGithubAnnotations(leaky, packageRoot);
    const timer = lines.find((l) => l.includes('title=sse-soak pre-aborted%3A leaked setInterval'))!;
    expect(timer).toMatch(
      /^::error file=src\/reference\/stream-session\.ts,line=\d+,title=sse-soak pre-aborted%3A leaked setInterval::\d+ × setInterval created here leaked in pre-aborted/,
    );
    expect(lines.some((l) => /^::error file=src\/reference\/stream-session\.ts,line=\d+,title=sse-soak sigterm%3A/.test(l))).toBe(true);
    for (const l of lines) expect(l).not.toMatch(/\n/);
  });

  it('sites outside the repository or in node_modules get no file', () => {
    expect(siteInRepo('src/a.ts:12', '/repo')).toEqual({ file: 'src/a.ts', line: 12 });
    expect(siteInRepo('/elsewhere/a.ts:3', '/repo')).toBeUndefined();
    expect(siteInRepo('node_modules/hono/dist/x.js:3', '/repo')).toBeUndefined();
    expect(siteInRepo('<unknown>', '/repo')).toBeUndefined();
  });
});

describe('markdown', () => {
  it('summarises verdicts and where leaks were created', () => {
    expect(toMarkdown(fixed)).toMatch(/^## sse-soak: ✅ pass/);
    const md = toMarkdown(leaky);
    expect(md).toMatch(/^## sse-soak: ❌ fail/);
    expect(md).toMatch(/\| pre-aborted \| ❌ fail \| 400 \| timers \+\d+/);
    expect(md).toMatch(/\| pre-aborted \| timers \| \d+ × setInterval \| `src\/reference\/stream-session\.ts:\d+` \|/);
  });
});

describe('a check turned off, and one that could not measure, in every reporter', () => {
  const report = structuredClone(fixed);
  const first = report.scenarios[0]!;
  first.checks = first.checks.map((c) =>
    c.meter === 'heap' ? { meter: 'heap', verdict: 'skipped', skippedBy: 'user', reason: 'turned off (--skip-check heap)' } : c,
  );
  const second = report.scenarios[1]!;
  second.checks = second.checks.map((c) =>
    c.meter === 'sockets' ? { meter: 'sockets', verdict: 'error', reason: 'could not measure: no reading was taken' } : c,
  );
  Object.assign(second, {
    verdict: 'error',
    error: { code: 'SSE_SOAK_UNMEASURED', message: 'sockets: could not measure: no reading was taken', phase: 'measure' },
  });

  it('junit: <skipped> with the reason, and <error> for the unmeasured check', () => {
    const xml = toJunit(report);
    expect(xml).toMatch(/name="heap" time="0">\s*<skipped message="turned off \(--skip-check heap\)"\/>/);
    expect(xml).toMatch(/name="sockets" time="0">\s*<error message="could not measure: no reading was taken"/);
  });

  it('markdown: skipped and could-not-measure on the scenario row', () => {
    const md = toMarkdown(report);
    expect(md).toMatch(new RegExp(`\\| ${first.name} \\| ✅ pass \\| \\d+ \\| heap -?\\d+ B/conn|skipped: heap \\(turned off\\)`));
    expect(md).toContain('skipped: heap (turned off)');
    expect(md).toMatch(new RegExp(`\\| ${second.name} \\| ⚠️ error \\| \\d+ \\| sockets: could not measure: no reading was taken \\|`));
  });

  it('github: a warning for the skipped check, an error for the unmeasured one', () => {
    const lines = toGithubAnnotations(report);
    expect(lines).toContain(`::warning title=sse-soak ${first.name}%3A heap skipped::turned off (--skip-check heap)`);
    expect(lines).toContain(`::error title=sse-soak ${second.name}%3A sockets::sockets: could not measure: no reading was taken`);
  });
});

describe('a heap check left undecided at the cap passes, and every output says so', () => {
  const names = undecided.scenarios
    .filter((s) =>
      s.checks.some((c) => c.meter === 'heap' && (c.details?.sequential as { decision?: string } | undefined)?.decision === 'undecided'),
    )
    .map((s) => s.name);

  it('the report is a pass with two undecided scenarios', () => {
    expect(undecided.verdict).toBe('pass');
    expect(names).toEqual(['socket-destroy', 'server-close']);
  });

  it('markdown: the slope, the words and the interval on the scenario row', () => {
    const md = toMarkdown(undecided);
    for (const name of names)
      expect(md).toMatch(
        new RegExp(`\\| ${name} \\| ✅ pass \\| \\d+ \\| heap [+-]\\d+ B/conn, undecided at the cap \\([+-]\\d+ to [+-]\\d+\\) \\|`),
      );
    expect(md).toMatch(/\| clean-close \| ✅ pass \| \d+ \| - \|/);
  });

  it('github: a notice per undecided check, with how to decide it; no error', () => {
    const out = toGithubAnnotations(undecided);
    expect(out.filter((l) => l.startsWith('::error'))).toEqual([]);
    expect(
      out.map((l) => /title=sse-soak ([\w-]+)%3A heap undecided::undecided at the cap: .*raise --connections to decide\)$/.exec(l)?.[1]),
    ).toEqual(names);
  });

  it('junit: the pass carries the reason as its output', () => {
    const xml = toJunit(undecided);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.match(/<system-out>undecided at the cap: heap grows [\d.-]+ B per connection/g)).toHaveLength(2);
    expect(xml).not.toContain('<failure');
  });
});
