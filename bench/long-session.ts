/**
 * 500 turns in one session. Per-turn platform time (POST of the user.message → idle on the
 * SSE stream, over a model that answers at once) at the start and at the end. The brain folds
 * the log incrementally and keeps the fold between turns, so turn 500 should stay within 1.2×
 * of turn 1 (what grows is only the request the model must be sent).
 *   npm run build && npx tsx bench/long-session.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startModelProcess } from './modelProcess.js';
import { startServerProcess } from './serverProcess.js';
import { fmt, percentile, printTable } from './stats.js';

const TURNS = Number(process.env['BENCH_TURNS'] ?? 500);
const WINDOW = 20;

// In its own process, and not strict: the stand-in's work grows with the conversation (parsing,
// its checks, the requests it keeps); only Bosun's time is of interest.
const model = await startModelProcess(0, { text: 'ok', strict: false });
const dataDir = mkdtempSync(join(tmpdir(), 'bosun-bench-'));
const server = await startServerProcess(dataDir, { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'bench' });
const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey });
const agent = await client.beta.agents.create({ name: 'long', model: 'claude-sonnet-4-6', system: 'Answer briefly.' });
const environment = await client.beta.environments.create({ name: 'long' });
const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
const stream = (await client.beta.sessions.events.stream(session.id))[Symbol.asyncIterator]();

const times: number[] = [];
for (let turn = 1; turn <= TURNS; turn++) {
  const started = performance.now();
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: `turn ${turn}` }] }],
  });
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error('stream ended');
    if (next.value.type === 'session.status_idle') break;
  }
  times.push(performance.now() - started);
}
const first = times.slice(0, WINDOW);
const last = times.slice(-WINDOW);
const ratio = percentile(last, 50) / percentile(first, 50);
printTable(`Long session: ${TURNS} turns in one session, per-turn time (POST → idle), median of ${WINDOW} turns`, [
  { turns: `1–${WINDOW}`, 'median ms': fmt(percentile(first, 50)), 'p90 ms': fmt(percentile(first, 90)) },
  {
    turns: `${TURNS - WINDOW + 1}–${TURNS}`,
    'median ms': fmt(percentile(last, 50)),
    'p90 ms': fmt(percentile(last, 90)),
  },
]);
console.log(`ratio last/first: ${fmt(ratio, 2)}× (target ≤ 1.2×)`);
server.close();
model.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
