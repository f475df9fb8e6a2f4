#!/usr/bin/env node
// The only process-level glue: source maps (so leak sites name .ts lines), then the CLI.
import process from 'node:process';

process.setSourceMapsEnabled(true);
// A reader that stops early (`sse-soak soak --help | head`): the rest is not wanted, so
// writes stop quietly, as Unix tools do, instead of an unhandled EPIPE and its stack trace.
// The run itself goes on; its report file is written as always.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write('sse-soak: error: the package is not built; run `npm ci` (or `npm run build`) in its folder\n');
    process.exitCode = 3;
  } else {
    throw error;
  }
}
if (cli) {
  // exitCode, not exit(): a large --json report piped into another program is written in
  // full before the process ends. Something the target left open (a database pool, a
  // server of its own) must not hold the CLI, so once stdout and stderr have flushed, an
  // unref'd timer ends the process if nothing else does.
  process.exitCode = await cli.main(process.argv.slice(2));
  const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  setTimeout(() => process.exit(), 1_000).unref();
}
