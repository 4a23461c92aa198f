import { spawn } from 'node:child_process';
import { awaitUrl } from '../test/helpers/awaitUrl.js';

/** The floor server of `floorServerMain.ts` in its own process, calling the stand-in model at `modelUrl`. */
export async function startFloorProcess(modelUrl: string): Promise<{ url: string; close(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/floorServerMain.ts'], {
    env: { ...process.env, BENCH_MODEL_URL: modelUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await awaitUrl(child, /floor on (http:\/\/\S+)/);
  return { url, close: () => child.kill('SIGTERM') };
}
