/**
 * The stream holder (src/clients/stream-holder.ts): a child process of the harness that
 * opens the soak's long-lived streams and keeps them, with file descriptors of its own.
 */
import { openEstablishedWith } from '../scenario/establish.ts';
import type { HttpStream } from './http-stream.ts';
import { type FromHolder, type HolderCounts, monotonicMs, type ToHolder } from './stream-holder-protocol.ts';

/** Streams being opened at once. */
const OPENING_AT_ONCE = 64;

const send = (message: FromHolder) => process.send!(message);
const held: HttpStream[] = [];
let ended = 0;
/** Held streams the server ended or cut: they read no more events and are not waited for. */
const gone: boolean[] = [];
/** Per held stream: its event count when armed, and when it read its next event (0: not yet). */
let armedAt: number[] = [];
let arrivedAt: Float64Array = new Float64Array(0);

function hold(stream: HttpStream): void {
  const j = held.push(stream) - 1;
  stream.events.onEvent = () => {
    if (j < arrivedAt.length && arrivedAt[j] === 0 && stream.events.count > armedAt[j]!) arrivedAt[j] = monotonicMs();
  };
  gone.push(false);
  void stream.ended.then((how) => {
    gone[j] = true;
    if (how !== 'local') ended++;
  });
}

function counts(): HolderCounts {
  let events = 0;
  let comments = 0;
  for (const s of held) {
    events += s.events.count;
    comments += s.events.comments;
  }
  return { open: held.length - ended, ended, events, comments };
}

async function open(message: Extract<ToHolder, { type: 'open' }>): Promise<FromHolder> {
  const first = held.length;
  let next = first;
  let error: string | undefined;
  await Promise.all(
    Array.from({ length: OPENING_AT_ONCE }, async () => {
      while (error === undefined && next < message.to) {
        const k = next++ - first;
        const request = message.requests?.[k] ?? message.request;
        if (!request) {
          error = `no request for stream ${first + k}`;
          return;
        }
        try {
          hold(await openEstablishedWith(message.target, request));
        } catch (e) {
          error ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  return { type: 'opened', id: message.id, open: held.length, ...(error !== undefined ? { error } : {}) };
}

async function collect(message: Extract<ToHolder, { type: 'collect' }>): Promise<FromHolder> {
  const until = monotonicMs() + message.timeoutMs;
  const waiting = () => {
    for (let j = 0; j < arrivedAt.length; j++) if (arrivedAt[j] === 0 && !gone[j]) return true;
    return false;
  };
  while (waiting() && monotonicMs() < until) await new Promise((r) => setTimeout(r, 2));
  const latenciesMs: number[] = [];
  let missed = 0;
  for (let j = 0; j < arrivedAt.length; j++) {
    if (arrivedAt[j] === 0) {
      if (!gone[j]) missed++;
    } else latenciesMs.push(arrivedAt[j]! - message.since);
  }
  arrivedAt = new Float64Array(0);
  return { type: 'collected', id: message.id, latenciesMs, missed };
}

process.on('message', (message: ToHolder) => {
  const reply = async (): Promise<FromHolder> => {
    switch (message.type) {
      case 'open':
        return open(message);
      case 'counts':
        return { type: 'counts', id: message.id, counts: counts() };
      case 'arm':
        armedAt = held.map((s) => s.events.count);
        arrivedAt = new Float64Array(held.length);
        return { type: 'armed', id: message.id };
      case 'collect':
        return collect(message);
      case 'close':
        for (const s of held) s.disconnect('fin');
        await Promise.all(held.map((s) => s.ended));
        return { type: 'closed', id: message.id };
    }
  };
  void reply().then(send);
});
// The harness went away: so does the holder, and its streams with it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
