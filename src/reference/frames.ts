import type { InvalidationEvent } from './emitter.ts';

/** The SSE frames the production routes write, byte for byte. */
export const frames = {
  connected: 'event: connected\ndata: {}\n\n',
  invalidate: (event: InvalidationEvent) => `event: invalidate\ndata: ${JSON.stringify(event)}\n\n`,
  keepalive: ': keepalive\n\n',
  shutdown: 'event: shutdown\ndata: {"reason":"server closing"}\n\n',
} as const;

const encoder = new TextEncoder();

export function encodeFrame(frame: string): Uint8Array {
  return encoder.encode(frame);
}
