import { describe, expect, it } from 'vitest';
import { crashFromStderr, describeThrown } from './crash-summary.ts';

// What Node 20 printed as a server died of an AbortError nobody caught (test/fixtures/crash/).
const nodeCrash = `listening
node:events:1175
    errorHandler(new AbortError(undefined, { cause: signal?.reason }));
                 ^

AbortError: The operation was aborted
    at EventTarget.abortListener (node:events:1175:18)
    at [nodejs.internal.kHybridDispatch] (node:internal/event_target:831:20)
    ... 2 lines matching cause stack trace ...
    at AbortController.abort (node:internal/abort_controller:392:5)
    at IncomingMessage.<anonymous> (file:///srv/app/node_modules/some-lib/index.js:9:3)
    at IncomingMessage.<anonymous> (file:///srv/app/server.mjs:13:30)
    at process.processTicksAndRejections (node:internal/process/task_queues:81:21) {
  code: 'ABORT_ERR',
  [cause]: DOMException [AbortError]: This operation was aborted
      at new DOMException (node:internal/per_context/domexception:53:5)
}

Node.js v20.20.2
`;

describe('a crash in one line', () => {
  it("reads Node's report of an uncaught error: the error, and the program's line rather than Node's or a library's", () => {
    expect(crashFromStderr(nodeCrash, '/srv/app')).toBe('AbortError: The operation was aborted at server.mjs:13');
  });

  it('keeps an error code, and a library line when there is no program line', () => {
    const stderr =
      'Error [ERR_STREAM_WRITE_AFTER_END]: write after end\n    at Socket.write (node:net:9:9)\n    at f (/srv/app/node_modules/lib/x.js:2:1)\n\nNode.js v20.20.2\n';
    expect(crashFromStderr(stderr, '/srv/app')).toBe('Error [ERR_STREAM_WRITE_AFTER_END]: write after end at node_modules/lib/x.js:2');
  });

  it('keeps the first line of a message that runs over several before its stack', () => {
    const stderr =
      'node:internal/modules/run_main:123\n    triggerUncaughtException(\n    ^\n\nError: Transform failed with 2 errors:\n/srv/app/nest.ts:24:12: ERROR: Top-level await is currently not supported with the "cjs" output format\n/srv/app/nest.ts:26:0: ERROR: the same\n    at failureErrorWithLog (/srv/app/node_modules/esbuild/lib/main.js:1752:15)\n\nNode.js v20.20.2\n';
    expect(crashFromStderr(stderr, '/srv/app')).toBe(
      'Error: Transform failed with 2 errors: /srv/app/nest.ts:24:12: ERROR: Top-level await is currently not supported with the "cjs" output format at node_modules/esbuild/lib/main.js:1752',
    );
  });

  // tRPC 11.25.2's SSE subscription with ping on, a client gone between two events: the
  // AbortError's ten frames are all Node's; the abort() tRPC called is in its cause.
  const trpcCrash = `node:events:1175
    errorHandler(new AbortError(undefined, { cause: signal?.reason }));
                 ^

AbortError: The operation was aborted
    at EventTarget.abortListener (node:events:1175:18)
    at [nodejs.internal.kHybridDispatch] (node:internal/event_target:831:20)
    at EventTarget.dispatchEvent (node:internal/event_target:766:26)
    at abortSignal (node:internal/abort_controller:370:10)
    at node:internal/abort_controller:373:20
    at Set.forEach (<anonymous>)
    at abortSignal (node:internal/abort_controller:371:30)
    at AbortController.abort (node:internal/abort_controller:392:5)
    at EventTarget.abort (node:internal/deps/undici/undici:9762:14)
    at [nodejs.internal.kHybridDispatch] (node:internal/event_target:831:20) {
  code: 'ABORT_ERR',
  [cause]: DOMException [AbortError]: This operation was aborted
      at new DOMException (node:internal/per_context/domexception:53:5)
      at AbortController.abort (node:internal/abort_controller:391:18)
      at IncomingMessage.onAbort (/srv/app/node_modules/@trpc/server/src/adapters/node-http/incomingMessageToRequest.ts:164:8)
      at Object.onceWrapper (node:events:638:28)
}

Node.js v20.20.2
`;

  it("reads the line from the error's cause when its own frames are all Node's", () => {
    expect(crashFromStderr(trpcCrash, '/srv/app')).toBe(
      'AbortError: The operation was aborted (its cause, DOMException [AbortError]: This operation was aborted, at node_modules/@trpc/server/src/adapters/node-http/incomingMessageToRequest.ts:164)',
    );
    const cause = new Error('client went away');
    cause.stack = 'Error: client went away\n    at onClose (/srv/app/src/stream.ts:12:5)';
    const error = new Error('The operation was aborted', { cause });
    error.name = 'AbortError';
    error.stack = 'AbortError: The operation was aborted\n    at abortListener (node:events:1175:18)';
    expect(describeThrown(error, '/srv/app')).toEqual({
      line: 'AbortError: The operation was aborted (its cause, Error: client went away, at src/stream.ts:12)',
      whose: 'target',
    });
  });

  it('is nothing for a stderr without a crash report', () => {
    expect(crashFromStderr('missing DATABASE_URL\n')).toBeUndefined();
    expect(crashFromStderr('')).toBeUndefined();
  });

  it('names a thrown error and whose line threw it; a thrown non-error says so', () => {
    const error = new TypeError('x is not a function');
    error.stack = 'TypeError: x is not a function\n    at node:internal/a:1:1\n    at handler (/srv/app/src/route.ts:7:9)';
    expect(describeThrown(error, '/srv/app')).toEqual({ line: 'TypeError: x is not a function at src/route.ts:7', whose: 'target' });
    expect(describeThrown('nope').line).toBe('a non-error value: nope');
  });
});
