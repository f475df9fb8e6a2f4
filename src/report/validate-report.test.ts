import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-info.ts';
import { REPORT_SCHEMA_VERSION } from './report.ts';
import { createRequire } from 'node:module';
import { configSpec } from '../config/load-config.ts';
import { precompiledPath, schemaDigest, schemaValidator } from '../schema-validator.ts';
import { reportProblems, reportSpec } from './validate-report.ts';

const load = (name: string) => JSON.parse(readFileSync(path.join(packageRoot, 'test', 'fixtures', 'reports', `${name}.json`), 'utf8'));

describe('schema/report.schema.json', () => {
  it('accepts reports from real runs (every report the suite produces is also checked, see execute-run.ts)', () => {
    expect(reportProblems(load('fixed'))).toEqual([]);
    expect(reportProblems(load('cancel-only'))).toEqual([]);
    expect(process.env.SSE_SOAK_VALIDATE_REPORTS).toBe('1');
  });

  it('pins the schema version it describes', () => {
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema', 'report.schema.json'), 'utf8'));
    expect(schema.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION);
  });

  /** A report as loose JSON, to be broken on purpose. */
  type Loose = { verdict?: unknown; schemaVersion: unknown; scenarios: { verdict: unknown; checks: unknown[] }[] };
  it.each([
    ['no verdict', (r: Loose) => delete r.verdict, /'\(config\)' must have required property 'verdict'/],
    ['a bad verdict', (r: Loose) => (r.scenarios[0]!.verdict = 'ok'), /scenarios.0.verdict' must be one of pass, fail, error/],
    [
      'a skipped check without a reason',
      (r: Loose) => (r.scenarios[0]!.checks[0] = { meter: 'timers', verdict: 'skipped' }),
      /must have required property 'reason'/,
    ],
    ['an errored scenario without its error', (r: Loose) => (r.scenarios[0]!.verdict = 'error'), /must have required property 'error'/],
    ['another schema version', (r: Loose) => (r.schemaVersion = 2), /schemaVersion' must be equal to constant/],
  ])('rejects %s', (_name, mutate, message) => {
    const report = load('fixed');
    mutate(report as unknown as Loose);
    expect(reportProblems(report).join('; ')).toMatch(message);
  });
});

describe('validators compiled by the build (dist/validators/)', () => {
  it("are the shipped schemas' own, and judge as a validator compiled now does", () => {
    for (const spec of [reportSpec(), configSpec]) {
      const compiled = createRequire(import.meta.url)(precompiledPath(spec.name)) as { digest: string };
      expect(compiled.digest, `${spec.name}: npm run build writes it`).toBe(schemaDigest(spec));
    }
    const report = load('cancel-only');
    const broken = { ...report, verdict: 'ok', scenarios: 'none' };
    const fresh = schemaValidator({ ...reportSpec(), name: 'report', options: { ...reportSpec().options, $comment: true } });
    const built = schemaValidator(reportSpec());
    expect(built).not.toBe(fresh);
    for (const value of [report, broken]) {
      expect(built(value)).toBe(fresh(value));
      expect(built.errors ?? null).toEqual(fresh.errors ?? null);
    }
    expect(built(broken)).toBe(false);
  });

  it('are not used for another schema: an edited one is compiled when it is read', () => {
    const edited = { ...reportSpec(), schema: { type: 'object', required: ['edited'] } };
    const validate = schemaValidator(edited);
    expect(validate({ edited: 1 })).toBe(true);
    expect(validate(load('fixed'))).toBe(false);
  });
});
