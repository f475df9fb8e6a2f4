import type { ReferenceOptions } from '../../reference/app.ts';
import type { AdapterChoice } from '../../server/resolve-adapter.ts';
import type { RunSettings } from '../defaults.ts';
import type { MeterSnapshot } from '../meter-snapshot.ts';
import type { ListenerGrowth } from '../../verdict/compare-snapshots.ts';

/** What the parent tells the child, in SSE_SOAK_CHILD (JSON). */
export interface ChildConfig {
  spec: string;
  cwd: string;
  reference: ReferenceOptions;
  adapter: AdapterChoice;
  settings: Pick<RunSettings, 'settleMs' | 'sigtermDrainMs'>;
}

/** The child's file descriptor for its exit record, written synchronously in 'exit'. */
export const EXIT_RECORD_FD = 4;

/** Messages from the parent over IPC. */
export type ParentMessage = { type: 'baseline' };

/** The child's shutdown at SIGTERM, as far as it got. */
export interface ShutdownReport {
  final: MeterSnapshot;
  listenerGrowth: ListenerGrowth;
  /** Held streams still open after the drain, which the child then cut. */
  cutStreams: number;
  /** Whether the target has a close() at all. */
  hasClose: boolean;
  closeError?: string;
  /** process.getActiveResourcesInfo() once the child had released everything it knew of. */
  activeResources: string[];
  shutdownMs: number;
}

/** Messages from the child over IPC. Plain data. */
export type ChildMessage =
  | { type: 'ready'; port: number; path: string; firstEvent?: string; name: string }
  | { type: 'baseline'; baseline: MeterSnapshot }
  | { type: 'error'; phase: 'load' | 'serve'; code: string; message: string; exitCode: number }
  | ({ type: 'final' } & ShutdownReport);

/**
 * Written to EXIT_RECORD_FD at the 'exit' event, synchronously (IPC cannot be used there):
 * how the process ended, whether the harness's shutdown had run, and what it held then.
 * A target that ends the process from its own SIGTERM handler still leaves this.
 */
export interface ExitRecord {
  code: number;
  /** `done`: the harness's shutdown had sent its final readings. */
  shutdown: 'not-started' | 'running' | 'done';
  atExit: { timers: number; listeners: number; sockets: number };
}
