import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attribute, type OwnerRules, type StackFrame } from './call-site.ts';

/**
 * Ownership by real resolution, in the layouts npm makes: sse-soak nested in a project with
 * its own undici, hoisted next to the project's undici, run from npx's cache, and this
 * repository. Libraries are transparent; the nearest frame that is sse-soak's or the
 * user's decides; async context decides for library-only stacks.
 */
const layouts = {
  nested: { root: '/app/node_modules/sse-soak', undici: '/app/node_modules/sse-soak/node_modules/undici', user: '/app/src' },
  hoisted: { root: '/app/node_modules/sse-soak', undici: '/app/node_modules/undici', user: '/app/src' },
  npx: { root: '/root/.npm/_npx/4f2a/node_modules/sse-soak', undici: '/root/.npm/_npx/4f2a/node_modules/undici', user: '/app/src' },
  repo: { root: '/work/sse-soak', undici: '/work/sse-soak/node_modules/undici', user: '/app/src' },
};
const rulesFor = (root: string): OwnerRules => ({
  own: ['bin', 'src', 'dist', 'scenarios', 'test', 'bench'].map((d) => path.join(root, d) + path.sep),
  targetInsideOwn: [path.join(root, 'src', 'reference') + path.sep, path.join(root, 'dist', 'src', 'reference') + path.sep],
});
const f = (file: string, line = 1): StackFrame => ({ file, line, column: 1 });
const node = f('node:internal/timers', 1);

describe.each(Object.entries(layouts))('attribute() in the %s layout', (_layout, l) => {
  const rules = rulesFor(l.root);
  const undiciTimer = [f(`${l.undici}/lib/util/timers.js`, 342), f(`${l.undici}/lib/dispatcher/client-h1.js`, 268), node];
  const ownClient = f(`${l.root}/dist/src/clients/fetch-stream.js`, 30);
  const userLine = f(`${l.user}/routes/events.ts`, 12);
  it.each([
    [
      "the harness's undici timer, from a socket callback in a client's context",
      undiciTimer,
      'harness',
      'harness',
      `${l.undici}/lib/util/timers.js:342`,
    ],
    [
      "the target's own undici timer, from a socket callback in a served connection",
      undiciTimer,
      'target',
      'target',
      `${l.undici}/lib/util/timers.js:342`,
    ],
    ['undici with no context at all: nobody we count', undiciTimer, undefined, 'node', undefined],
    [
      "Node's HTTP Date cache, armed by a served response through @hono/node-server: process-wide, nobody's",
      [
        node,
        f('node:internal/http', 25),
        f('node:internal/http', 18),
        f('node:_http_outgoing', 400),
        f(`${l.undici}/../@hono/node-server/dist/index.mjs`, 470),
      ],
      'target',
      'node',
      undefined,
    ],
    [
      "undici called by sse-soak's client code",
      [...undiciTimer.slice(0, 2), ownClient],
      undefined,
      'harness',
      `${l.root}/dist/src/clients/fetch-stream.js:30`,
    ],
    ["undici called by the user's code", [...undiciTimer.slice(0, 2), userLine], undefined, 'target', `${l.user}/routes/events.ts:12`],
    [
      "hono's stream.sleep in the user's loop: the user's line",
      [f(path.join(l.undici, '..', 'hono', 'dist', 'helper', 'streaming', 'stream.js'), 40), userLine],
      'target',
      'target',
      `${l.user}/routes/events.ts:12`,
    ],
    [
      'the user’s code called from the harness (publish): the nearest frame',
      [userLine, f(`${l.root}/dist/src/harness/run.js`, 5)],
      undefined,
      'target',
      `${l.user}/routes/events.ts:12`,
    ],
    ['a request function in the user’s module, run as a client', [userLine], 'harness', 'harness', `${l.user}/routes/events.ts:12`],
    [
      "sse-soak's settle, called from the user's test file",
      [f(`${l.root}/dist/src/harness/settle.js`, 9), f(`${l.user}/soak.test.ts`, 3)],
      undefined,
      'harness',
      `${l.root}/dist/src/harness/settle.js:9`,
    ],
    [
      'tsx loading the user’s module',
      [f(path.join(l.undici, '..', 'tsx', 'dist', 'esm', 'index.mjs'), 2), userLine],
      'target',
      'target',
      `${l.user}/routes/events.ts:12`,
    ],
    [
      'the embedded reference server',
      [f(`${l.root}/dist/src/reference/stream-session.js`, 49), ownClient],
      undefined,
      'target',
      `${l.root}/dist/src/reference/stream-session.js:49`,
    ],
    ["Node's own timers in a served connection (a socket's keep-alive)", [node], 'target', 'node', undefined],
  ] as const)('%s', (_name, frames, owner, expected, site) => {
    const got = attribute(frames, rules, owner ? { owner } : undefined, '/elsewhere');
    expect(got.owner).toBe(expected);
    expect(got.site).toBe(site);
  });
});
