#!/usr/bin/env node
// The only process-level glue: source maps (so leak sites name .ts lines), then the CLI.
import process from 'node:process';

process.setSourceMapsEnabled(true);
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write('sse-soak: error: the package is not built; run `npm ci` (or `npm run build`) in its folder\n');
    process.exit(3);
  }
  throw error;
}
process.exit(await cli.main(process.argv.slice(2)));
