import type { Context } from 'hono';
import { referenceDefaults, type ReferenceOptions } from '../app.ts';
import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';
import { retainedRecord } from './retains-per-connection.ts';

const cache = new Map<number, ReturnType<typeof retainedRecord>>();
let next = 0;

/**
 * Not a leak: a per-request cache with a cap (an LRU of recent lookups). The heap rises
 * while it fills and then stays flat. `run`'s few hundred connections cannot tell that from
 * a leak while the cache is still filling; `soak`'s plateau test can.
 */
export const boundedCache: ReferenceVariant = {
  name: 'bounded-cache',
  mechanism: 'as fixed, plus a cache of a record per request (2 KiB) capped at 1,000 entries: grows, then plateaus',
  leaks: 'nothing; its heap rises for the first 1,000 requests, then stays flat',
  onRequest(c: Context, options: ReferenceOptions) {
    readSignalEarly(c);
    const cap = options.cacheEntries ?? referenceDefaults.cacheEntries;
    cache.set(next, retainedRecord(c, options.retainBytes ?? referenceDefaults.retainBytes, next));
    next++;
    if (cache.size > cap) cache.delete(cache.keys().next().value!);
  },
  respond: (c, route) => respondBound(c, route),
};
