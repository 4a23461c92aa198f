/**
 * SSE fan-out: 1,000 subscribers on one session's event stream; events are sent through the
 * API (POST, durable append) and the time from send to arrival at every subscriber is
 * measured. Target: p99 ≤ 50 ms.
 *   npx tsx bench/sse-fanout.ts
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startServerProcess } from './serverProcess.js';
import { fmt, percentile, printTable } from './stats.js';

const SUBSCRIBERS = Number(process.env['BENCH_SUBSCRIBERS'] ?? 1000);
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20);

const dataDir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
const server = await startServerProcess(dataDir, { BOSUN_BRAIN: 'off' });
const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey });
const agent = await client.beta.agents.create({ name: 'bench', model: 'claude-sonnet-4-5' });
const environment = await client.beta.environments.create({ name: 'bench' });
// An API-only node (BOSUN_BRAIN=off): this measures the log and the fan-out, not a model.
const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const url = new URL(`${server.url}/v1/sessions/${session.id}/events/stream`);

function subscribe(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: { 'x-api-key': server.apiKey }, agent: false },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const marker = frame.match(/"text":"(m\d+)"/);
            const started = marker ? sentAt.get(marker[1]!) : undefined;
            if (started !== undefined) latencies.push(now - started);
          }
        });
        resolve();
      },
    );
    req.on('error', reject);
    req.end();
  });
}

for (let i = 0; i < SUBSCRIBERS; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, subscribe));
}
await new Promise((resolve) => setTimeout(resolve, 200));
for (let i = 0; i < EVENTS; i++) {
  const marker = `m${i}`;
  sentAt.set(marker, performance.now());
  await client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: marker }] }] });
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await new Promise((resolve) => setTimeout(resolve, 500));
printTable(`SSE fan-out: ${SUBSCRIBERS} subscribers × ${EVENTS} events, send (HTTP POST + durable append) → arrival`, [
  {
    deliveries: `${latencies.length}/${SUBSCRIBERS * EVENTS}`,
    'p50 ms': fmt(percentile(latencies, 50)),
    'p99 ms': fmt(percentile(latencies, 99)),
    'max ms': fmt(Math.max(...latencies)),
    target: 'p99 ≤ 50 ms',
  },
]);
server.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
