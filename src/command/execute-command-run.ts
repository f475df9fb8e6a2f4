import { COMMAND_NO_FETCH, type CommandTargetOptions, commandHome, unfitScenarios } from '../harness/target-home.ts';
import { ClientThread } from '../clients/client-thread.ts';
import { UsageError } from '../errors/soak-error.ts';
import type { RunSettings } from '../harness/defaults.ts';
import { assertMeasurable } from '../harness/measurable.ts';
import { preflight } from '../harness/preflight.ts';
import type { RunProgress } from '../harness/progress.ts';
import { RequestSource } from '../harness/request-source.ts';
import { resolveSettings } from '../harness/resolve-settings.ts';
import { connectionScenarioOn, runScenarios, stopAfterCrash } from '../harness/run-scenarios.ts';
import { selectScenarios } from '../harness/execute-run.ts';
import { reportEnvelope } from '../report/environment.ts';
import type { Omitted, Report, ScenarioResult } from '../report/report.ts';
import { checkAgainstSchemaUnderTest } from '../report/validate-report.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { validateSkipChecks } from '../verdict/check-policy.ts';
import { runVerdict } from '../verdict/verdicts.ts';
import { runSigterm } from '../harness/sigterm/run-sigterm.ts';
import { startCommand } from './command-session.ts';

export interface CommandRunOptions extends CommandTargetOptions {
  cwd?: string;
  scenarios?: readonly string[];
  settings?: Partial<RunSettings>;
  skipChecks?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (event: RunProgress) => void;
  /** Where the server's stdout and stderr go (the target log). */
  output?: (text: string) => void;
  startedAt?: Date;
}

/**
 * `run` against a user's own server started as a command (`--path /events -- node
 * server.js`): its agent answers for the meters, the scenarios' clients connect over
 * loopback as they do to an in-process target, and `sigterm` signals the server itself,
 * last, since afterwards there is no server left.
 */
export async function executeCommandRun(all: readonly Scenario[], options: CommandRunOptions): Promise<Report> {
  const startedAt = options.startedAt ?? new Date();
  const started = performance.now();
  const settings = resolveSettings(options.settings);
  const skip = new Set(validateSkipChecks(options.skipChecks ?? []));
  if (!options.path.startsWith('/'))
    throw new UsageError(`--path must start with '/', got '${options.path}'`, { code: 'SSE_SOAK_BAD_SETTING' });
  const names = options.scenarios;
  if (names?.includes('aborted-request'))
    throw new UsageError(`scenario 'aborted-request' cannot run: ${COMMAND_NO_FETCH}`, { code: 'SSE_SOAK_NOT_APPLICABLE' });
  const selected = selectScenarios(all, names).filter((s) => s.name !== 'aborted-request');
  const omitted: Omitted[] = names && names.length > 0 ? [] : [{ scenario: 'aborted-request', reason: COMMAND_NO_FETCH }];
  assertMeasurable(selected, settings, skip);
  const cwd = options.cwd ?? process.cwd();
  const results: ScenarioResult[] = [];
  let interrupted = false;
  const clients = selected.some((s) => s.kind === 'connections') ? new ClientThread() : undefined;
  const session = await startCommand({
    argv: options.argv,
    cwd,
    listenTimeoutMs: options.listenTimeoutMs ?? 20_000,
    output: options.output,
    signal: options.signal,
  }).catch(async (error) => {
    await clients?.stop();
    throw error;
  });
  const home = commandHome(session, options);
  const { name, target } = home;
  const [unfit] = unfitScenarios(
    target,
    selected.map((s) => s.name),
  );
  if (unfit) {
    await clients?.stop();
    await session.stop();
    throw new UsageError(`scenario '${unfit.scenario}' cannot run: ${unfit.reason}`, { code: 'SSE_SOAK_NOT_APPLICABLE' });
  }
  const requests = new RequestSource(target.request, session.url);
  let found: Pick<Report['target'], 'request' | 'establishment'> = {};
  try {
    const { establish, establishment } = await preflight(
      home.subject,
      target,
      session.url + target.path,
      requests,
      settings.connectionTimeoutMs,
    );
    found = { request: requests.shape(), establishment };
    options.onProgress?.({
      type: 'run-start',
      target: name,
      ...home.serving,
      scenarios: selected.map((s) => s.name),
      path: target.path,
      ...found,
      ...(omitted.length ? { omitted } : {}),
    });
    clients?.callsFor(target);
    const onHome = connectionScenarioOn(
      home,
      { settings, signal: options.signal, onProgress: options.onProgress, skip, clients, requests, establish },
      results,
    );
    interrupted = await runScenarios(
      selected,
      results,
      stopAfterCrash(
        (scenario) =>
          scenario.kind === 'connections'
            ? onHome(scenario)
            : runSigterm(session, {
                path: target.path,
                firstEvent: target.firstEvent,
                establish,
                requests,
                settings,
                signal: options.signal,
              }),
        {
          // A scenario that erred may have done so because the server died under it (its
          // clients then see refused connections): asked of the process, not of the clients.
          // sigterm ends the server on purpose.
          died: async (scenario, when, result) => {
            // Ctrl-C stops a scenario too, with the server alive: nothing to wait for.
            if (scenario.kind === 'process' || options.signal?.aborted || (result && result.verdict !== 'error')) return undefined;
            const message = await session.exited(when, when.startsWith('before') ? 0 : undefined);
            return message ? { code: 'SSE_SOAK_SERVER_EXITED', message } : undefined;
          },
          notRun: (when) => ({ code: 'SSE_SOAK_SERVER_EXITED', message: `not run: the server exited ${when}` }),
        },
      ),
      { signal: options.signal, onProgress: options.onProgress, skip, omitted },
    );
  } finally {
    await clients?.stop();
    await requests.reset();
    await session.stop();
  }
  const report: Report = {
    ...reportEnvelope(startedAt, started),
    target: {
      ...home.report('command'),
      ...found,
    },
    settings: { ...settings, skipChecks: [...skip] },
    ...(omitted.length ? { omitted } : {}),
    verdict: runVerdict(results, interrupted),
    ...(interrupted ? { interrupted: true } : {}),
    scenarios: results,
  };
  return checkAgainstSchemaUnderTest(report);
}
