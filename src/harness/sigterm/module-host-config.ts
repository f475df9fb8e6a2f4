import type { ReferenceOptions } from '../../reference/app.ts';
import type { AdapterChoice } from '../../server/resolve-adapter.ts';

/** What sse-soak tells the host, in MODULE_HOST_ENV (JSON). */
export interface ModuleHostConfig {
  spec: string;
  cwd: string;
  reference: ReferenceOptions;
  adapter: AdapterChoice;
  /** How long close() and then the open streams get to end by themselves. */
  drainMs: number;
}

export const MODULE_HOST_ENV = 'SSE_SOAK_MODULE_HOST';
