import { spawn } from 'node:child_process';
import { awaitUrl } from '../test/helpers/awaitUrl.js';

/**
 * `bosun serve` in its own process, as in production: a benchmark's clients in the server's
 * event loop would measure the benchmark, not Bosun. It runs the compiled server, as `npm start`
 * does (`npm run bench` builds first; after editing src/, run `npm run build` before a bench).
 */
export async function startServerProcess(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; apiKey: string; close(): void }> {
  const apiKey = 'bench-key';
  const child = spawn(
    process.execPath,
    [
      ...(process.env['BENCH_PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/bosun-prof'] : []),
      'bin/bosun.js',
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ],
    {
      env: { ...process.env, ...env, BOSUN_API_KEY: apiKey, BOSUN_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await awaitUrl(child, /listening on (http:\/\/\S+)/);
  return { url, apiKey, close: () => child.kill('SIGTERM') };
}
