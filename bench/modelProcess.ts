import { spawn } from 'node:child_process';
import { awaitUrl } from '../test/helpers/awaitUrl.js';

/**
 * The stand-in model in a process of its own, as a real provider is: in the benchmark's
 * process it would wait behind the benchmark's clients and add their work to the model's TTFT.
 */
export async function startModelProcess(
  ttftMs: number,
  options: { text?: string; strict?: boolean } = {},
): Promise<{ url: string; close(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/modelProcessMain.ts'], {
    env: {
      ...process.env,
      BENCH_MODEL_TTFT_MS: String(ttftMs),
      BENCH_MODEL_TEXT: options.text ?? 'first token, then more',
      BENCH_MODEL_STRICT: options.strict === false ? '0' : '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await awaitUrl(child, /model on (http:\/\/\S+)/);
  return { url, close: () => child.kill('SIGTERM') };
}
