/**
 * Bosun's overhead on time-to-first-token: from the client's POST of a user.message to the
 * first `event_delta` on its SSE stream, minus the model's own fixed 200 ms TTFT (counted by the
 * stand-in from the request's arrival). Target: p50 ≤ 5 ms, p90 ≤ 10 ms. No sandbox is on
 * this path.
 *
 * - The server, the stand-in model and this client run in three processes, as in production.
 * - 1 session; then 50 sessions at once, each sending its next message a random 0–2 s after
 *   its last turn ended (≈ 40 turns/s overall: users reading and typing); then the same 50
 *   sessions with no pause (≈ 200 turns/s, more than this 2-core machine's server keeps up
 *   with: that row shows queueing under saturation, not per-turn overhead).
 * - Warm-up turns (cold JIT right after a start) are run first and not counted.
 * - The baseline row is the same client calling the stand-in directly (`messages.create`,
 *   stream, first text delta): what the two HTTP hops and the SDKs cost on this machine
 *   without Bosun in between.
 *   npm run build && npx tsx bench/ttft.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import { startModelProcess } from './modelProcess.js';
import { startServerProcess } from './serverProcess.js';
import { fmt, percentile, printTable } from './stats.js';

const MODEL_TTFT_MS = 200;
const TURNS = Number(process.env['BENCH_TURNS'] ?? 40);
const WARMUP_TURNS = Number(process.env['BENCH_WARMUP_TURNS'] ?? 20);

const model = await startModelProcess(MODEL_TTFT_MS);
const dataDir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
const server = await startServerProcess(dataDir, { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'bench' });
const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey });
const agent = await client.beta.agents.create({ name: 'ttft', model: 'claude-sonnet-4-6' });
const environment = await client.beta.environments.create({ name: 'ttft' });

async function oneTurn(sessionId: string): Promise<number> {
  const stream = await client.beta.sessions.events.stream(sessionId, { event_deltas: ['agent.message'] });
  const started = performance.now();
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'hi' }] }],
  });
  let firstDelta = Number.NaN;
  for await (const event of stream) {
    if (event.type === 'event_delta' && Number.isNaN(firstDelta)) firstDelta = performance.now();
    if (event.type === 'session.status_idle') break;
  }
  return firstDelta - started - MODEL_TTFT_MS;
}

/** One session's turns, back to back with a pause of up to `pauseMs`; warm-up turns are dropped. */
async function runSession(turns: number, warmup: number, pauseMs: number): Promise<number[]> {
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const overheads: number[] = [];
  for (let turn = 0; turn < warmup + turns; turn++) {
    if (pauseMs > 0) await sleep(Math.random() * pauseMs);
    const overhead = await oneTurn(session.id);
    if (turn >= warmup) overheads.push(overhead);
  }
  return overheads;
}

async function directBaseline(turns: number): Promise<number[]> {
  const direct = new Anthropic({ baseURL: model.url, apiKey: 'bench' });
  const overheads: number[] = [];
  for (let turn = 0; turn < WARMUP_TURNS + turns; turn++) {
    const started = performance.now();
    const stream = await direct.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let firstDelta = Number.NaN;
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && Number.isNaN(firstDelta)) firstDelta = performance.now();
    }
    if (turn >= WARMUP_TURNS) overheads.push(firstDelta - started - MODEL_TTFT_MS);
  }
  return overheads;
}

const row = (label: string, overheads: number[], target: string) => ({
  '': label,
  samples: overheads.length,
  'overhead p50 ms': fmt(percentile(overheads, 50)),
  'overhead p90 ms': fmt(percentile(overheads, 90)),
  target,
});

const baseline = await directBaseline(TURNS);
const single = await runSession(TURNS, WARMUP_TURNS, 0);
const fifty = async (pauseMs: number) =>
  (await Promise.all(Array.from({ length: 50 }, () => runSession(Math.ceil(TURNS / 10), 2, pauseMs)))).flat();
const concurrent = await fifty(2_000);
const saturated = await fifty(0);
printTable(
  `Time-to-first-token overhead over a model with a fixed ${MODEL_TTFT_MS} ms TTFT (POST → first event_delta on SSE)`,
  [
    row('baseline: SDK → model directly', baseline, '—'),
    row('1 session', single, 'p50 ≤ 5, p90 ≤ 10'),
    row('50 concurrent sessions, a message each per ~1 s', concurrent, 'p50 ≤ 5, p90 ≤ 10'),
    row('50 sessions back to back (saturated)', saturated, '—'),
  ],
);
server.close();
model.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
