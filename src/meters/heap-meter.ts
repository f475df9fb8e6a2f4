import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapSample {
  usedBytes: number;
}

let cachedGc: (() => void) | null | undefined;

/**
 * A forced full GC without --expose-gc on the command line (DOMAIN.md: the flag can be set
 * at run time and `gc` taken from a fresh context). Null when the runtime refuses.
 */
export function forcedGc(): (() => void) | null {
  if (cachedGc !== undefined) return cachedGc;
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return (cachedGc = global.gc);
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    cachedGc = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc;
}

/** Heap in use after a full GC; undefined when GC cannot be forced (the check is skipped). */
export function sampleHeap(): HeapSample | undefined {
  const gc = forcedGc();
  if (!gc) return undefined;
  gc();
  return { usedBytes: getHeapStatistics().used_heap_size };
}
