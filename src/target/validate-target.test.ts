import { describe, expect, it } from 'vitest';
import { validateTarget } from './validate-target.ts';

const fetch = () => new Response('x');

describe('validateTarget', () => {
  it.each([
    // A Hono app exported as it is: a fetch, no path.
    [
      { fetch },
      /load: it needs 'path', the SSE endpoint the scenarios open: for an app exported as it is, export default \{ fetch: app\.fetch, path: '\/events' \}$/,
    ],
    [{ fetch, path: 'events' }, /load: 'path' must be a string starting with '\/'$/],
    [{ fetch, path: 3 }, /load: 'path' must be a string starting with '\/'$/],
    [{ path: '/events' }, /load: it needs 'fetch'/],
  ])('%j: one line naming the field', (value, message) => {
    expect(() => validateTarget(value, './app.ts')).toThrow(message);
  });

  it('accepts a fetch and a path', () => {
    expect(validateTarget({ fetch, path: '/events' }, './app.ts')).toMatchObject({ path: '/events' });
  });
});
