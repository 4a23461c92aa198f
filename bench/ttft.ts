/**
 * Bosun's overhead on time-to-first-token: from a client's POST of a user.message to the first
 * `event_delta` on its SSE stream, minus the model's own fixed 200 ms TTFT (counted by the
 * stand-in from the request's arrival). Target: p50 ≤ 5 ms, p90 ≤ 10 ms. No sandbox is on
 * this path. The server, the stand-in model and the client run in three processes.
 *
 * Rows:
 * - floor: the chain with nothing else in it (`floorServerMain.ts`: POST → append + fdatasync →
 *   streamed model call → SSE relay), driven by the raw `node:http` client (`rawClient.ts`).
 * - baseline: the official SDK calling the stand-in directly, no Bosun in between: what the SDK's
 *   request building and stream decoding and one HTTP hop each way cost here.
 * - Bosun with the raw client: measured as the floor is measured; the difference is Bosun's.
 * - Bosun with the official SDK as the client: what an SDK user sees (the SDK's own costs
 *   included). 1 session; then 50 sessions at once, each sending its next message a random
 *   0–2 s after its last turn ended (≈ 40 turns/s: users reading and typing); then 50 with no
 *   pause (≈ 200 turns/s, more than this 2-core machine's server keeps up with: queueing
 *   under saturation, not per-turn overhead).
 * Each session's first turns are not counted. One row is measured right after the server
 * started (its first 20 turns skipped): V8 is still compiling the hot paths. The server is then
 * warmed up (a few hundred turns, not counted), as one that has run for a while is, and the
 * target rows are measured.
 *   npm run build && npx tsx bench/ttft.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import { startFloorProcess } from './floorProcess.js';
import { startModelProcess } from './modelProcess.js';
import { rawClient } from './rawClient.js';
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

type Turn = (sessionId: string) => Promise<number>;

/** One turn through the official SDK: stream opened, message sent, first delta awaited. */
async function sdkTurn(sessionId: string): Promise<number> {
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

/** The same turn through the raw client, against Bosun or the floor. */
function rawTurn(raw: ReturnType<typeof rawClient>): Turn {
  return async (sessionId) => {
    const turn = await raw.openTurn(sessionId);
    const started = performance.now();
    await raw.sendMessage(sessionId);
    const firstDelta = await turn.firstDelta;
    await turn.idle;
    turn.close();
    return firstDelta - started - MODEL_TTFT_MS;
  };
}

/** One session's turns, back to back with a pause of up to `pauseMs`; warm-up turns are dropped. */
async function runSession(turn: Turn, sessionId: string, turns: number, warmup: number, pauseMs: number) {
  const overheads: number[] = [];
  for (let i = 0; i < warmup + turns; i++) {
    if (pauseMs > 0) await sleep(Math.random() * pauseMs);
    const overhead = await turn(sessionId);
    if (i >= warmup) overheads.push(overhead);
  }
  return overheads;
}

const newSession = async () =>
  (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;

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

const floor = await startFloorProcess(model.url);
const floorTurns = await runSession(rawTurn(rawClient(floor.url, 'none')), 'sesn_floor', TURNS, WARMUP_TURNS, 0);
floor.close();
const baseline = await directBaseline(TURNS);
const raw = rawTurn(rawClient(server.url, server.apiKey));
const fifty = async (turn: Turn, pauseMs: number) =>
  (
    await Promise.all(
      Array.from({ length: 50 }, async () => runSession(turn, await newSession(), Math.ceil(TURNS / 10), 2, pauseMs)),
    )
  ).flat();
// Right after a start: V8 has not compiled the hot paths yet (shown, not a target).
const cold = await runSession(sdkTurn, await newSession(), TURNS, WARMUP_TURNS, 0);
// Then a server that has run for a while: a few hundred turns through each client, not counted.
await fifty(raw, 0);
await fifty(sdkTurn, 0);
// Between rows: the sessions of the last one stop lingering (lingerMs, 3 s) and release their
// leases, which is no work of the next row's turns.
const settle = () => sleep(4_000);
await settle();
const rawSingle = await runSession(raw, await newSession(), TURNS, WARMUP_TURNS, 0);
await settle();
const rawConcurrent = await fifty(raw, 2_000);
await settle();
const single = await runSession(sdkTurn, await newSession(), TURNS, WARMUP_TURNS, 0);
await settle();
const concurrent = await fifty(sdkTurn, 2_000);
await settle();
const saturated = await fifty(sdkTurn, 0);
const TARGET = 'p50 ≤ 5, p90 ≤ 10';
printTable(
  `Time-to-first-token overhead over a model with a fixed ${MODEL_TTFT_MS} ms TTFT (POST → first event_delta on SSE)`,
  [
    row('floor: POST, fsync, model call, SSE relay; raw client', floorTurns, '—'),
    row('baseline: official SDK → model directly', baseline, '—'),
    row('Bosun, SDK client: 1 session, right after a start', cold, '—'),
    row('Bosun, raw client: 1 session', rawSingle, TARGET),
    row('Bosun, raw client: 50 sessions, a message each per ~1 s', rawConcurrent, TARGET),
    row('Bosun, SDK client: 1 session', single, TARGET),
    row('Bosun, SDK client: 50 sessions, a message each per ~1 s', concurrent, TARGET),
    row('Bosun, SDK client: 50 sessions back to back (saturated)', saturated, '—'),
  ],
);
server.close();
model.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
