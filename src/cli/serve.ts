import type { ServerConfig } from '../server/config.js';
import { startServer } from '../server/server.js';

export async function runServe(config: ServerConfig): Promise<void> {
  // Whoever reads our stdout may go away first (a pipe to `head`, a supervisor restarting):
  // a failed log line must not take the server down.
  process.stdout.on('error', () => {});
  const server = await startServer(config);
  process.stdout.write(`bosun listening on ${server.url} (data dir ${config.dataDir})\n`);
  if (server.apiKeyCreated) {
    process.stdout.write(
      `\nCreated an API key (shown once; it is stored in ${config.dataDir}/api-key):\n\n  ${server.apiKey}\n\n` +
        `Use it as ANTHROPIC_API_KEY with baseURL ${server.url}, or set BOSUN_API_KEY to choose your own.\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, shutting down\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
