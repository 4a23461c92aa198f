// The floor of bench/ttft.ts in a process of its own: the same chain as Bosun's turn with
// nothing else in it. POST of an event → append to a file and fdatasync → streamed call to the
// model over a keep-alive connection → each model chunk relayed as an SSE `event_delta` to the
// session's open stream. It speaks just enough of Bosun's routes for `rawClient.ts`.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const modelUrl = new URL(process.env['BENCH_MODEL_URL'] ?? 'http://127.0.0.1:1');
const dir = mkdtempSync(join(tmpdir(), 'bosun-floor-'));
const log = openSync(join(dir, 'log'), 'a');
const modelAgent = new Agent({ keepAlive: true });
const streams = new Map<string, ServerResponse>();

const server = createServer((req, res) => {
  const sessionId = (req.url ?? '').split('/')[3] ?? '';
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    streams.set(sessionId, res);
    res.on('close', () => streams.get(sessionId) === res && streams.delete(sessionId));
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    writeSync(log, `${body}\n`);
    fdatasyncSync(log);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
    callModel(sessionId);
  });
});

function callModel(sessionId: string): void {
  const call = request(
    {
      host: modelUrl.hostname,
      port: modelUrl.port,
      method: 'POST',
      path: '/v1/messages',
      agent: modelAgent,
      headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
    },
    (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (chunk.includes('content_block_delta')) {
          streams.get(sessionId)?.write(`event: event_delta\ndata: ${JSON.stringify({ chunk })}\n\n`);
        }
      });
      response.on('end', () => streams.get(sessionId)?.write('event: session.status_idle\ndata: {}\n\n'));
    },
  );
  call.end(
    JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  );
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`floor on http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  closeSync(log);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
