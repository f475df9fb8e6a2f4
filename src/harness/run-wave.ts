import { ScenarioError } from '../errors/scenario-error.ts';

/**
 * One wave: connections `first` to `first + size - 1` at once, each within its deadline. The
 * first failure fails the wave, as a ScenarioError naming what went wrong. Shared by the
 * in-process runner and the client thread.
 */
export async function runWave(connect: (i: number) => Promise<void>, first: number, size: number, timeoutMs: number): Promise<void> {
  const runs: Promise<void>[] = [];
  for (let i = first; i < first + size; i++) runs.push(withDeadline(connect(i), timeoutMs, i));
  const outcomes = await Promise.allSettled(runs);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    const reason = failed.reason;
    throw reason instanceof ScenarioError
      ? reason
      : new ScenarioError(reason instanceof Error ? reason.message : String(reason), 'measure', { cause: reason });
  }
}

async function withDeadline(run: Promise<void>, ms: number, index: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ScenarioError(`connection ${index} did not finish within ${ms} ms`, 'measure', { code: 'SSE_SOAK_HUNG' })),
      ms,
    );
  });
  try {
    await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
