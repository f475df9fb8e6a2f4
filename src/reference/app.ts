import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, Hono } from 'hono';
import { InvalidationEmitter, type InvalidationEvent } from './emitter.ts';
import { OpenStreams, type Organisation, type RouteContext } from './route-context.ts';
import type { ReferenceVariant } from './variant.ts';

export interface ReferenceOptions {
  /** Period of the `: keepalive` comment. Production: 30 s. */
  keepaliveMs?: number;
  /** The awaited organisation lookup before the stream is built. */
  setupMs?: number;
  /** The awaited step after the response started (streamSSE variants). Defaults to setupMs. */
  settleMs?: number;
  /** Keys the public route forwards. */
  publicKeys?: readonly string[];
  /** retains-per-connection and bounded-cache: bytes kept per request. */
  retainBytes?: number;
  /** bounded-cache: entries kept before the oldest is evicted. */
  cacheEntries?: number;
}

export const referenceDefaults = {
  keepaliveMs: 30_000,
  setupMs: 5,
  publicKeys: ['projects', 'pages', 'settings:public'],
  retainBytes: 2048,
  cacheEntries: 1000,
} as const;

export interface ReferenceApp {
  app: Hono;
  emitter: InvalidationEmitter;
  streams: OpenStreams;
}

/**
 * The production server's two invalidation routes (DOMAIN.md), with the stream built by a
 * variant. Both routes await an organisation lookup first, as the real ones awaited auth.
 */
export function createReferenceApp(variant: ReferenceVariant, options: ReferenceOptions = {}): ReferenceApp {
  const keepaliveMs = options.keepaliveMs ?? referenceDefaults.keepaliveMs;
  const setupMs = options.setupMs ?? referenceDefaults.setupMs;
  const settleMs = options.settleMs ?? setupMs;
  const allowed = new Set(options.publicKeys ?? referenceDefaults.publicKeys);
  const emitter = new InvalidationEmitter();
  const streams = new OpenStreams();

  const lookupOrg = async (slug: string): Promise<Organisation> => {
    await sleep(setupMs);
    return { id: slug, slug };
  };
  const route = (org: Organisation, filter: RouteContext['filter'], lastEventId: string | undefined): RouteContext => ({
    org,
    emitter,
    filter,
    keepaliveMs,
    settleMs,
    streams,
    ...(lastEventId === undefined ? {} : { lastEventId }),
  });
  const everything = (event: InvalidationEvent) => event;
  const publicOnly = (event: InvalidationEvent) => {
    const keys = event.keys.filter((key) => allowed.has(key));
    return keys.length > 0 ? { ...event, keys } : null;
  };

  const app = new Hono();
  const onRequest = variant.onRequest;
  if (onRequest) {
    app.use('/api/:orgSlug/*', async (c, next) => {
      onRequest(c, options);
      await next();
    });
  }
  const stream = (filter: RouteContext['filter']) => async (c: Context) =>
    variant.respond(c, route(await lookupOrg(c.req.param('orgSlug') ?? ''), filter, c.req.header('last-event-id')));
  app.get('/api/:orgSlug/events', stream(everything));
  app.get('/api/:orgSlug/public/events', stream(publicOnly));
  return { app, emitter, streams };
}
