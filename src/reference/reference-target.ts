import { UsageError } from '../errors/soak-error.ts';
import type { Target } from '../target/target.ts';
import type { InvalidationEmitter } from './emitter.ts';
import { createReferenceApp, type ReferenceOptions } from './app.ts';
import { findVariant, variants } from './variants/index.ts';

export const REFERENCE_ORG = 'acme';

export interface ReferenceTargetOptions extends ReferenceOptions {
  /** A variant name; `fixed` by default. */
  variant?: string;
  /** Which route the scenarios open. */
  route?: 'members' | 'public';
}

export class UnknownVariantError extends UsageError {
  constructor(readonly variant: string) {
    super(`unknown reference variant '${variant}' (known: ${variants.map((v) => v.name).join(', ')})`, {
      code: 'SSE_SOAK_UNKNOWN_VARIANT',
    });
  }
}

/** The embedded reference server as a target (CONTRACTS.md). */
export function createReferenceTarget(options: ReferenceTargetOptions = {}): Target & {
  gauges: Record<string, () => number>;
  publish: () => void;
  end: () => void;
  close: () => void;
  /** The invalidation emitter, for tests that publish their own events. */
  emitter: InvalidationEmitter;
} {
  const name = options.variant ?? 'fixed';
  const variant = findVariant(name);
  if (!variant) throw new UnknownVariantError(name);
  const { app, emitter, streams } = createReferenceApp(variant, options);
  return {
    name: `reference:${variant.name}`,
    fetch: app.fetch,
    firstEvent: 'connected',
    path: options.route === 'public' ? `/api/${REFERENCE_ORG}/public/events` : `/api/${REFERENCE_ORG}/events`,
    gauges: {
      listeners: () => emitter.listenerCount(),
      streams: () => streams.size,
      ...variant.gauges,
    },
    publish: () => emitter.emit(REFERENCE_ORG, { keys: ['projects'] }),
    end: () => streams.endAll(),
    // Every variant gives its events ids and replays from Last-Event-ID (replay-gap claims to).
    replay: true,
    close: () => streams.endAll(),
    emitter,
  };
}
