import { defineTarget } from 'sse-soak';
import { app, bus, closeStreams } from './app.ts';

export default defineTarget({
  name: 'example-hono-app',
  fetch: app.fetch,
  path: '/api/acme/events',
  firstEvent: 'ready',
  gauges: { listeners: () => bus.listenerCount('acme') },
  publish: () => void bus.emit('acme', { keys: ['projects'] }),
  close: closeStreams,
});
