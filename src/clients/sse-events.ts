import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  /** The `event:` field, `message` when absent (as EventSource reports it). */
  event: string;
  data: string;
  /** The `id:` field, when the event has one. */
  id?: string;
}

type Waiter = { name: string | undefined; resolve: (e: SseEvent) => void; reject: (e: Error) => void };

/**
 * Turns a byte stream into SSE events with eventsource-parser (the parser the eventsource
 * package uses) and lets a client await "the next `connected`" with a deadline. Keeps only
 * events nobody waited for yet, and only until the next wait: a client never accumulates.
 */
export class SseEventQueue {
  readonly #decoder = new TextDecoder();
  readonly #pending: SseEvent[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #parser = createParser({
    onEvent: (message: EventSourceMessage) =>
      this.#push({ event: message.event ?? 'message', data: message.data, ...(message.id === undefined ? {} : { id: message.id }) }),
    onComment: () => this.comments++,
  });
  #closed: Error | undefined;
  count = 0;
  /** Comment lines read (`: keepalive`): with `count`, about one per chunk the server wrote. */
  comments = 0;
  last: string | undefined;
  /** Called after every event is counted (the stream holder notes when each stream read its next one). */
  onEvent: (() => void) | undefined;

  feed(chunk: Uint8Array | string): void {
    this.#parser.feed(typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }));
  }

  /** No more events will come: every waiter fails with `reason`. */
  close(reason: Error): void {
    this.#closed ??= reason;
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  next(name?: string, timeoutMs = 5_000): Promise<SseEvent> {
    const i = this.#pending.findIndex((e) => name === undefined || e.event === name);
    if (i >= 0) {
      const event = this.#pending[i]!;
      this.#pending.splice(0, i + 1);
      return Promise.resolve(event);
    }
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<SseEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new Error(`no '${name ?? 'any'}' event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        name,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  #push(event: SseEvent): void {
    this.count++;
    this.last = event.event;
    this.onEvent?.();
    const i = this.#waiters.findIndex((w) => w.name === undefined || w.name === event.event);
    if (i >= 0) {
      this.#waiters.splice(i, 1)[0]!.resolve(event);
      return;
    }
    if (this.#pending.length < 64) this.#pending.push(event);
  }
}
