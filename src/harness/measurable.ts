import { UsageError } from '../errors/soak-error.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { MIN_HEAP_SAMPLES } from '../verdict/heap-check.ts';
import type { RunSettings } from './defaults.ts';

/**
 * The fewest measured connections that give every selected scenario a heap slope: one
 * sample before the first wave and one after each, MIN_HEAP_SAMPLES in all. 0 when no
 * selected scenario measures the heap (or the user turned the heap check off).
 */
export function minimumConnections(
  selected: readonly Scenario[],
  settings: Pick<RunSettings, 'concurrency'>,
): { connections: number; scenario?: string; wave?: number } {
  let worst: { connections: number; scenario?: string; wave?: number } = { connections: 0 };
  for (const s of selected) {
    if (s.kind !== 'connections') continue;
    const wave = s.concurrency ?? settings.concurrency;
    const connections = wave * (MIN_HEAP_SAMPLES - 1);
    if (connections > worst.connections) worst = { connections, scenario: s.name, wave };
  }
  return worst;
}

/**
 * Refuses, before anything starts, settings that cannot give a measurement: a check that
 * would have to report "could not measure" for every run is a usage error, with the minimum
 * that works.
 */
export function assertMeasurable(selected: readonly Scenario[], settings: RunSettings, skip: ReadonlySet<string>): void {
  if (selected.some((s) => s.kind === 'process')) {
    // The sigterm child's shutdown (close() and the drain, each up to sigtermDrainMs, then the
    // settle) must fit in the grace period, or a clean target is killed before it reports.
    const needed = sigtermShutdownBudget(settings);
    if (settings.sigtermGraceMs < needed) {
      throw new UsageError(
        `setting 'sigtermGraceMs' ${settings.sigtermGraceMs} is shorter than the child's shutdown can take (2 × sigtermDrainMs + settleMs + 500 = ${needed} ms): raise it to ${needed} or lower sigtermDrainMs`,
        { code: 'SSE_SOAK_UNMEASURABLE' },
      );
    }
  }
  if (skip.has('heap')) return;
  const min = minimumConnections(selected, settings);
  if (settings.connections < min.connections) {
    throw new UsageError(
      `--connections ${settings.connections} is too few for a heap slope: ${min.scenario} runs ${min.wave} connections a wave and the slope needs ${MIN_HEAP_SAMPLES} samples, one per wave; use --connections ${min.connections} or more, or --skip-check heap`,
      { code: 'SSE_SOAK_UNMEASURABLE' },
    );
  }
  if (settings.heapSamples < MIN_HEAP_SAMPLES) {
    throw new UsageError(
      `setting 'heapSamples' ${settings.heapSamples} is too few for a heap slope: use ${MIN_HEAP_SAMPLES} or more, or --skip-check heap`,
      {
        code: 'SSE_SOAK_UNMEASURABLE',
      },
    );
  }
}

/** The longest the sigterm child's own shutdown may take before it reports its readings. */
export function sigtermShutdownBudget(settings: Pick<RunSettings, 'sigtermDrainMs' | 'settleMs'>): number {
  return 2 * settings.sigtermDrainMs + settings.settleMs + 500;
}
