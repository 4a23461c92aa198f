/**
 * Bosun's overhead on time-to-first-token: from the client's POST of a user.message to the
 * first `event_delta` on its SSE stream, minus the model's own fixed 200 ms TTFT. Sessions
 * run 1 and 50 at a time. Target: p50 ≤ 5 ms, p90 ≤ 10 ms. No sandbox is on this path.
 *   npx tsx bench/ttft.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startScriptedModel } from '../src/models/scripted/scriptedModelServer.js';
import { startServerProcess } from './serverProcess.js';
import { fmt, percentile, printTable } from './stats.js';

const MODEL_TTFT_MS = 200;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 20);

const model = await startScriptedModel({
  respond: () => ({ content: [{ type: 'text', text: 'first token, then more' }], ttftMs: MODEL_TTFT_MS }),
});
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

const rows = [];
for (const concurrency of [1, 50]) {
  const sessions = await Promise.all(
    Array.from({ length: concurrency }, () =>
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id }),
    ),
  );
  await Promise.all(sessions.map((session) => oneTurn(session.id))); // warm-up
  const overheads: number[] = [];
  const rounds = Math.max(1, Math.ceil(ROUNDS / concurrency) * (concurrency === 1 ? 1 : 2));
  for (let round = 0; round < rounds; round++) {
    overheads.push(...(await Promise.all(sessions.map((session) => oneTurn(session.id)))));
  }
  rows.push({
    'concurrent sessions': concurrency,
    samples: overheads.length,
    'overhead p50 ms': fmt(percentile(overheads, 50)),
    'overhead p90 ms': fmt(percentile(overheads, 90)),
    target: 'p50 ≤ 5, p90 ≤ 10',
  });
}
printTable(
  `Time-to-first-token overhead over a model with a fixed ${MODEL_TTFT_MS} ms TTFT (POST → first event_delta on SSE)`,
  rows,
);
server.close();
await model.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
