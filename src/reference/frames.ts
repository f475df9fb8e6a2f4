import type { InvalidationEvent } from './emitter.ts';

/** The SSE frames the production routes write, byte for byte, with an `id:` on each invalidation (for Last-Event-ID). */
export const frames = {
  connected: 'event: connected\ndata: {}\n\n',
  /**
   * A new client's first event carries the latest id, so that a client dropped before any
   * invalidation still comes back with a Last-Event-ID (eventsource-parser takes an id only
   * from an event with data, unlike the spec's id-only blocks).
   */
  connectedAt: (id: number) => `id: ${id}\nevent: connected\ndata: {}\n\n`,
  invalidate: (event: InvalidationEvent, id?: number) =>
    `${id === undefined ? '' : `id: ${id}\n`}event: invalidate\ndata: ${JSON.stringify(event)}\n\n`,
  keepalive: ': keepalive\n\n',
  shutdown: 'event: shutdown\ndata: {"reason":"server closing"}\n\n',
} as const;

const encoder = new TextEncoder();

export function encodeFrame(frame: string): Uint8Array {
  return encoder.encode(frame);
}
