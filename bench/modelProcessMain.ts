// The stand-in model process of bench/modelProcess.ts: every request is answered with a short
// text whose first token comes BENCH_MODEL_TTFT_MS after the request arrived.
import { startScriptedModel } from '../src/models/scripted/scriptedModelServer.js';

const ttftMs = Number(process.env['BENCH_MODEL_TTFT_MS'] ?? 200);
const model = await startScriptedModel({
  respond: () => ({ content: [{ type: 'text', text: 'first token, then more' }], ttftMs }),
});
process.stdout.write(`model on ${model.url}\n`);
process.once('SIGTERM', () => void model.close().then(() => process.exit(0)));
