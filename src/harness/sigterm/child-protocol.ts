import type { ReferenceOptions } from '../../reference/app.ts';
import type { AdapterChoice } from '../../server/resolve-adapter.ts';
import type { RunSettings } from '../defaults.ts';
import type { MeterSnapshot } from '../meter-set.ts';

/** What the parent tells the child, in SSE_SOAK_CHILD (JSON). */
export interface ChildConfig {
  spec: string;
  cwd: string;
  reference: ReferenceOptions;
  adapter: AdapterChoice;
  settings: Pick<RunSettings, 'settleMs' | 'sigtermDrainMs'>;
}

/** Messages from the child over IPC. Plain data. */
export type ChildMessage =
  | { type: 'ready'; port: number; path: string; firstEvent?: string; name: string; baseline: MeterSnapshot }
  | { type: 'error'; phase: 'load' | 'serve'; code: string; message: string; exitCode: number }
  | {
      type: 'final';
      final: MeterSnapshot;
      listenerGrowth: { event: string; sites: { site: string; count: number }[] }[];
      /** Streams still open after the drain, cut by the child. */
      cut: boolean;
      closeError?: string;
      /** process.getActiveResourcesInfo() once the child had released everything it knew of. */
      activeResources: string[];
      shutdownMs: number;
    };
