import { fileURLToPath } from 'node:url';
import { run } from 'sse-soak';
import { describe, expect, it } from 'vitest';
import target from './soak.target.ts';

describe('the SSE endpoint', () => {
  it('leaks nothing when clients go away, however they go', async () => {
    const report = await run({
      target, // the target object, or its factory
      module: './soak.target.ts', // lets `sigterm` load it again in a child process
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    });
    const failed = report.scenarios.filter((s) => s.verdict !== 'pass');
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(report.verdict).toBe('pass');
  }, 120_000);
});
