import type { Context } from 'hono';
import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/** Bytes kept per request: the figure the heap meter must catch by default (issue #3). */
export const RETAINED_BYTES = 2048;

// An append-only request log, the kind of "just for debugging" array that outlives
// everyone's memory of adding it. No timer, no listener: only the heap shows it.
const requestLog: { at: number; url: string; trace: number[] }[] = [];

export const retainsPerConnection: ReferenceVariant = {
  name: 'retains-per-connection',
  mechanism: 'as fixed, plus a 2 KiB record per request kept in a module-level array',
  leaks: 'about 2 KiB of heap per request, on every disconnect kind and adapter; no timer or listener',
  onRequest(c: Context) {
    readSignalEarly(c);
    // 8 bytes per element on 64-bit Node without pointer compression. Not a padded string:
    // V8 shares padEnd's filler between strings, so those retain about a quarter of this.
    requestLog.push({ at: Date.now(), url: c.req.url, trace: new Array<number>(RETAINED_BYTES / 8).fill(requestLog.length) });
  },
  respond: (c, route) => respondBound(c, route),
};
