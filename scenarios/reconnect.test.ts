import { describe, expect, it } from 'vitest';
import { RetryFilter } from './reconnect.ts';

describe("reconnect's clients never read the server's retry: lines", () => {
  const stream = 'retry: 3000\n\n:)\r\nid: 1\revent: tick\r\ndata: a\n\nretry:10\r\nretry\ndata: retry: no\n\ndata: end';
  const without = '\n:)\r\nid: 1\revent: tick\r\ndata: a\n\ndata: retry: no\n\ndata: end';

  it('takes them out, and passes every other line as it came, however the stream is cut', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 7) {
        const filter = new RetryFilter();
        const out = [stream.slice(0, a), stream.slice(a, b), stream.slice(b)].map((piece) => filter.feed(piece)).join('') + filter.flush();
        expect(out, `cut at ${a} and ${b}`).toBe(without);
      }
    }
  });
});
