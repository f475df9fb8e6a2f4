import type { Context } from 'hono';
import { referenceDefaults, type ReferenceOptions } from '../app.ts';
import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/** A record of about `bytes` bytes: 8 per element on 64-bit Node without pointer compression. */
export function retainedRecord(c: Context, bytes: number, n: number): { at: number; url: string; trace: number[] } {
  // Not a padded string: V8 shares padEnd's filler between strings, which then retain
  // about a quarter of their length.
  return { at: Date.now(), url: c.req.url, trace: new Array<number>(Math.max(1, Math.round(bytes / 8))).fill(n) };
}

// An append-only request log, the kind of "just for debugging" array that outlives
// everyone's memory of adding it. No timer, no listener: only the heap shows it.
const requestLog: ReturnType<typeof retainedRecord>[] = [];

export const retainsPerConnection: ReferenceVariant = {
  name: 'retains-per-connection',
  mechanism: 'as fixed, plus a record per request (2 KiB by default) kept in a module-level array',
  leaks: 'about 2 KiB of heap per request, on every disconnect kind and adapter; no timer or listener',
  onRequest(c: Context, options: ReferenceOptions) {
    readSignalEarly(c);
    requestLog.push(retainedRecord(c, options.retainBytes ?? referenceDefaults.retainBytes, requestLog.length));
  },
  respond: (c, route) => respondBound(c, route),
};
