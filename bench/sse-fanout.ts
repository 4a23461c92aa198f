/**
 * SSE fan-out: 1,000 subscribers on one session's event stream; events are sent through the
 * API (POST, durable append) and the time from send to arrival at every subscriber is
 * measured. Target: p99 ≤ 50 ms, in steady state: the first events after a start run through
 * cold code (JIT) and are reported on their own row. The server runs in its own process; the
 * subscribers are spread over worker threads so the benchmark's own parsing does not queue
 * behind one event loop.
 *   npm run build && npx tsx bench/sse-fanout.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Anthropic from '@anthropic-ai/sdk';
import { startServerProcess } from './serverProcess.js';
import { fmt, percentile, printTable } from './stats.js';

const SUBSCRIBERS = Number(process.env['BENCH_SUBSCRIBERS'] ?? 1000);
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 50);
/** The first events after a start run through cold (unoptimised) code; reported apart. */
const WARMUP = Number(process.env['BENCH_WARMUP_EVENTS'] ?? 10);
const THREADS = 4;
const now = () => performance.timeOrigin + performance.now();

interface Job {
  url: string;
  apiKey: string;
  count: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
  // An API-only node (BOSUN_BRAIN=off): this measures the log and the fan-out, not a model.
  const server = await startServerProcess(dataDir, { BOSUN_BRAIN: 'off' });
  const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey });
  const agent = await client.beta.agents.create({ name: 'bench', model: 'claude-sonnet-4-6' });
  const environment = await client.beta.environments.create({ name: 'bench' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const url = `${server.url}/v1/sessions/${session.id}/events/stream`;

  const workers = Array.from({ length: THREADS }, (_, i) => {
    const count = Math.floor(SUBSCRIBERS / THREADS) + (i < SUBSCRIBERS % THREADS ? 1 : 0);
    return new Worker(new URL('./sseSubscriber.mjs', import.meta.url), {
      workerData: { url, apiKey: server.apiKey, count } satisfies Job,
    });
  });
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  await new Promise((resolve) => setTimeout(resolve, 300));

  const sentAt = new Map<string, number>();
  for (let i = 0; i < WARMUP + EVENTS; i++) {
    const marker = `m${i}`;
    sentAt.set(marker, now());
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: marker }] }],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const latencies: number[] = [];
  const warmup: number[] = [];
  for (const worker of workers) {
    const report = new Promise<Array<[string, number]>>((resolve) =>
      worker.on('message', (message: { type: string; arrivals?: Array<[string, number]> }) => {
        if (message.type === 'arrivals') resolve(message.arrivals!);
      }),
    );
    worker.postMessage({ type: 'report' });
    for (const [marker, at] of await report) {
      const latency = at - sentAt.get(marker)!;
      (Number(marker.slice(1)) < WARMUP ? warmup : latencies).push(latency);
    }
  }
  const row = (phase: string, sample: number[], events: number, target: string) => ({
    phase,
    deliveries: `${sample.length}/${SUBSCRIBERS * events}`,
    'p50 ms': fmt(percentile(sample, 50)),
    'p99 ms': fmt(percentile(sample, 99)),
    'max ms': fmt(Math.max(...sample)),
    target,
  });
  printTable(`SSE fan-out: ${SUBSCRIBERS} subscribers, send (HTTP POST + durable append) → arrival`, [
    row(`first ${WARMUP} events after start`, warmup, WARMUP, '—'),
    row(`next ${EVENTS} events`, latencies, EVENTS, 'p99 ≤ 50 ms'),
  ]);
  await Promise.all(workers.map((worker) => worker.terminate()));
  server.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

await main();
