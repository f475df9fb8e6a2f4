/**
 * What the agent costs a server started as a command: the same churn (open a stream, take
 * its first event, destroy the socket; 20 at a time) against the same server with the agent
 * preloaded and without it, alternating, in one run. Prints connections per second.
 *
 *   npx tsx bench/agent-overhead.ts [--connections 2000] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openHttpStream } from '../src/clients/http-stream.ts';
import { startCommand } from '../src/command/command-session.ts';
import { packageRoot } from '../src/package-info.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const argv = ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth'];

async function churn(port: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/events`;
  const started = performance.now();
  for (let done = 0; done < connections; done += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const stream = await openHttpStream(url);
        await stream.events.next('ready');
        stream.disconnect('fin');
      }),
    );
  }
  return connections / ((performance.now() - started) / 1000);
}

async function withAgent(): Promise<number> {
  const session = await startCommand({ argv, cwd: packageRoot, listenTimeoutMs: 20_000 });
  try {
    return await churn(session.listening.port);
  } finally {
    await session.stop();
  }
}

async function withoutAgent(): Promise<number> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: packageRoot, env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    for (let ok = false; !ok; ) {
      ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(s.destroy() !== undefined));
        s.once('error', () => resolve(false));
      });
      if (!ok) await sleep(20);
    }
    return await churn(port);
  } finally {
    child.kill('SIGKILL');
  }
}

const rows: string[] = [];
for (let r = 1; r <= rounds; r++) {
  const bare = await withoutAgent();
  const agent = await withAgent();
  rows.push(`| ${r} | ${bare.toFixed(0)} | ${agent.toFixed(0)} | ${(agent / bare).toFixed(2)} |`);
}
console.log(
  `agent overhead: ${connections} connections per round, node:http server (test/fixtures/servers/node-http-server.mjs), node ${process.version}`,
);
console.log('| round | without agent (conn/s) | with agent (conn/s) | ratio |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
