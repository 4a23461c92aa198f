import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { scriptedModelEnv } from './bosun.js';
import { awaitUrl } from './awaitUrl.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  client: Anthropic;
  child: ChildProcess;
  /** SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `bosun serve` in its own process, as a user runs it, so a test can kill it outright. */
export async function startServerProcess(
  dataDir: string,
  modelUrl: string,
  apiKey = 'crash-test-key',
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dataDir],
    {
      cwd: root,
      env: { ...process.env, ...scriptedModelEnv(modelUrl), BOSUN_API_KEY: apiKey, BOSUN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await awaitUrl(child, /listening on (http:\/\/\S+)/, () => `: ${stderr}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    client: new Anthropic({ baseURL: url, apiKey, maxRetries: 0 }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
