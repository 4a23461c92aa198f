// The stand-in model process of bench/modelProcess.ts: every request is answered with
// BENCH_MODEL_TEXT, whose first token comes BENCH_MODEL_TTFT_MS after the request arrived.
import { startScriptedModel } from '../src/models/scripted/scriptedModelServer.js';

const ttftMs = Number(process.env['BENCH_MODEL_TTFT_MS'] ?? 200);
const text = process.env['BENCH_MODEL_TEXT'] ?? 'first token, then more';
const model = await startScriptedModel({
  lean: true,
  strict: process.env['BENCH_MODEL_STRICT'] !== '0',
  respond: () => ({ content: [{ type: 'text', text }], ...(ttftMs > 0 ? { ttftMs } : {}) }),
});
process.stdout.write(`model on ${model.url}\n`);
process.once('SIGTERM', () => void model.close().then(() => process.exit(0)));
