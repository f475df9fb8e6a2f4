import type { ReferenceVariant } from '../variant.ts';
import { boundedCache } from './bounded-cache.ts';
import { cancelOnly } from './cancel-only.ts';
import { endWithoutCleanup } from './end-without-cleanup.ts';
import { fixed } from './fixed.ts';
import { heartbeatAfterSetup } from './heartbeat-after-setup.ts';
import { lateSignal } from './late-signal.ts';
import { processListener } from './process-listener.ts';
import { replayGap } from './replay-gap.ts';
import { replayLeak } from './replay-leak.ts';
import { retainsPerConnection } from './retains-per-connection.ts';
import { unboundedQueue } from './unbounded-queue.ts';

/** Every reference variant, `fixed` first (the default). */
export const variants: readonly ReferenceVariant[] = [
  fixed,
  cancelOnly,
  lateSignal,
  heartbeatAfterSetup,
  processListener,
  endWithoutCleanup,
  retainsPerConnection,
  boundedCache,
  replayLeak,
  replayGap,
  unboundedQueue,
];

export function findVariant(name: string): ReferenceVariant | undefined {
  return variants.find((v) => v.name === name);
}
