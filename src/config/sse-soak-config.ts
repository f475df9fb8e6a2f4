import type { RunSettings } from '../harness/defaults.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import type { AdapterChoice } from '../server/resolve-adapter.ts';

/** `sse-soak.config.ts`: what a project sets once instead of on every command line, for `run` and `soak` alike. */
export interface SseSoakConfig {
  /** `reference[:variant]` or a target module path, relative to the config file. */
  target?: string;
  scenarios?: string[];
  /** Measured connections per scenario. */
  connections?: number;
  /** Where reports go, relative to the config file. */
  reportDir?: string;
  adapter?: AdapterChoice;
  thresholds?: {
    /** Heap growth per connection above which the heap check fails. */
    heapBytesPerConnection?: number;
  };
  /** Checks turned off on purpose (`--skip-check`): reported as skipped everywhere. */
  skipChecks?: string[];
  /** Any other run setting (see src/harness/defaults.ts). */
  settings?: Partial<RunSettings>;
  /** Options of the reference server when it is the target. */
  reference?: Pick<ReferenceOptions, 'keepaliveMs' | 'setupMs' | 'settleMs'>;
}

/** The same type under its first name, for configs written before it was renamed. @deprecated Use `SseSoakConfig`. */
export type SoakConfig = SseSoakConfig;

/** Identity helper that gives a config file its types. */
export function defineConfig(config: SseSoakConfig): SseSoakConfig {
  return config;
}
