import type { Command } from 'commander';
import { referenceDefaults } from '../../reference/app.ts';
import { createReferenceTarget } from '../../reference/reference-target.ts';
import { serveTarget } from '../../server/serve-target.ts';
import type { CliIo } from '../io.ts';
import { integerIn } from '../parse-integer.ts';

interface ServeOptions {
  variant: string;
  port: number;
  keepalive: number;
  setup: number;
  publishEvery?: number;
}

/** How long Ctrl-C waits for open streams to end after their final event. */
const DRAIN_MS = 2_000;

export function registerServe(program: Command, io: CliIo, onRunning?: (url: string) => void): void {
  program
    .command('serve')
    .description('run the reference SSE server on 127.0.0.1 until Ctrl-C')
    .option('--variant <variant>', 'reference variant (see `sse-soak list`)', 'fixed')
    .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', integerIn(0, 65_535), 8787)
    .option('--keepalive <ms>', 'keepalive comment period', integerIn(1), referenceDefaults.keepaliveMs)
    .option('--setup <ms>', 'awaited organisation lookup before each stream', integerIn(0), referenceDefaults.setupMs)
    .option('--publish-every <ms>', 'publish an invalidation event to every stream this often', integerIn(1))
    .action(async (options: ServeOptions) => {
      const target = createReferenceTarget({
        variant: options.variant,
        keepaliveMs: options.keepalive,
        setupMs: options.setup,
      });
      const served = await serveTarget(target, { port: options.port });
      const publisher = options.publishEvery ? setInterval(() => target.publish(), options.publishEvery) : undefined;
      io.stderr.write(
        `sse-soak: ${target.name} listening on ${served.url}\n` +
          `  members: curl -N ${served.url}/api/acme/events\n` +
          `  public:  curl -N ${served.url}/api/acme/public/events\n` +
          'Ctrl-C ends every stream with a shutdown event and exits.\n',
      );
      onRunning?.(served.url);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      io.stderr.write('sse-soak: shutting down\n');
      clearInterval(publisher);
      target.close();
      const stopped = served.stopAccepting();
      const drained = await Promise.race([stopped.then(() => true), new Promise<false>((r) => setTimeout(r, DRAIN_MS, false).unref())]);
      if (!drained) served.cutConnections();
      await stopped;
    });
}
