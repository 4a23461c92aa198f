import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from './nodeFetch.js';
import { startScriptedModel } from './scripted/scriptedModelServer.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let handler: Handler = (_req, res) => res.end('unset');
const connections = new Set<number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(req.socket.remotePort ?? 0);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => connections.clear());

describe('createNodeFetch', () => {
  it('sends method, headers and body, and answers with status and headers', async () => {
    handler = (req, res, body) => {
      res.writeHead(201, {
        'content-type': 'application/json',
        'x-seen': `${req.method} ${String(req.headers['x-key'])}`,
      });
      res.end(JSON.stringify({ echoed: body }));
    };
    const response = await createNodeFetch()(`${base}/v1/thing?q=1`, {
      method: 'POST',
      headers: { 'x-key': 'k1', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-seen')).toBe('POST k1');
    expect(await response.json()).toEqual({ echoed: '{"a":1}' });
  });

  it('streams the body as it arrives, before the response ends', async () => {
    let finish: () => void = () => {};
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: last\n\n');
    };
    const response = await createNodeFetch()(`${base}/stream`, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    finish();
    const rest = await reader.read();
    expect(new TextDecoder().decode(rest.value)).toBe('data: last\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('keeps the connection alive across requests', async () => {
    handler = (_req, res) => res.end('ok');
    const nodeFetch = createNodeFetch();
    for (let i = 0; i < 3; i++) await (await nodeFetch(`${base}/ka`, { method: 'POST', body: 'x' })).text();
    expect(connections.size).toBe(1);
  });

  it('rejects with an AbortError when aborted before or during the response', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    };
    const nodeFetch = createNodeFetch();
    const early = new AbortController();
    early.abort();
    await expect(nodeFetch(`${base}/a`, { method: 'POST', body: 'x', signal: early.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });

    const late = new AbortController();
    const response = await nodeFetch(`${base}/b`, { method: 'POST', body: 'x', signal: late.signal });
    const reader = response.body!.getReader();
    await reader.read();
    late.abort();
    await expect(reader.read()).rejects.toBeDefined();
  });

  it('errors the body when the connection drops before the response ends', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const response = await createNodeFetch()(`${base}/drop`, { method: 'POST', body: 'x' });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    await expect(reader.read()).rejects.toBeDefined();
  });

  it('pauses the socket while the reader falls behind, and loses nothing', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => `chunk ${i};`);
    handler = (_req, res) => {
      res.writeHead(200);
      for (const chunk of chunks) res.write(chunk);
      res.end();
    };
    const response = await createNodeFetch()(`${base}/many`, { method: 'POST', body: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await response.text()).toBe(chunks.join(''));
  });

  it('fails like fetch when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(createNodeFetch()(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' })).rejects.toThrow(
      TypeError,
    );
  });

  it('decodes a gzip body and drops the encoding headers', async () => {
    handler = (_req, res) => {
      const zipped = gzipSync('{"hello":"world"}');
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': zipped.length });
      res.end(zipped);
    };
    const response = await createNodeFetch()(`${base}/gz`, { method: 'GET' });
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('follows redirects: 307 keeps method and body, 302 turns a POST into a GET', async () => {
    handler = (req, res, body) => {
      if (req.url === '/keep') return res.writeHead(307, { location: '/target' }).end();
      if (req.url === '/switch') return res.writeHead(302, { location: `${base}/target` }).end();
      res.end(`${req.method} ${body}`);
    };
    const nodeFetch = createNodeFetch();
    expect(await (await nodeFetch(`${base}/keep`, { method: 'POST', body: 'payload' })).text()).toBe('POST payload');
    expect(await (await nodeFetch(`${base}/switch`, { method: 'POST', body: 'payload' })).text()).toBe('GET ');
  });

  it('hands back a redirect to another origin without following it, and honours redirect modes', async () => {
    const other = createServer((req, res) => res.end(`other saw key ${String(req.headers['x-api-key'])}`));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    let otherCalled = false;
    other.on('request', () => (otherCalled = true));
    try {
      handler = (req, res) => {
        if (req.url === '/away') return res.writeHead(307, { location: `${otherBase}/steal` }).end();
        if (req.url === '/here') return res.writeHead(302, { location: '/target' }).end();
        res.end('target');
      };
      const nodeFetch = createNodeFetch();
      const init = { method: 'POST', body: '{}', headers: { 'x-api-key': 'secret' } } as const;
      const away = await nodeFetch(`${base}/away`, init);
      expect(away.status).toBe(307);
      expect(otherCalled).toBe(false);
      expect((await nodeFetch(`${base}/here`, { ...init, redirect: 'manual' })).status).toBe(302);
      await expect(nodeFetch(`${base}/here`, { ...init, redirect: 'error' })).rejects.toThrow(TypeError);
      expect(await (await nodeFetch(`${base}/here`, init)).text()).toBe('target');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('retries once on a fresh connection when the server closed the pooled one as it was reused', async () => {
    const served = new WeakMap<object, number>();
    handler = (req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      // The server dropped this idle connection just as the client sent on it.
      if (count > 1) return req.socket.destroy();
      res.end(`ok ${count}`);
    };
    const nodeFetch = createNodeFetch();
    expect(await (await nodeFetch(`${base}/stale`, { method: 'POST', body: 'a' })).text()).toBe('ok 1');
    expect(await (await nodeFetch(`${base}/stale`, { method: 'POST', body: 'b' })).text()).toBe('ok 1');
    expect(connections.size).toBe(2);
  });

  it('gives a null body for 204', async () => {
    handler = (_req, res) => res.writeHead(204).end();
    const response = await createNodeFetch()(`${base}/empty`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('carries the official SDK: a streamed message and an API error', async () => {
    const model = await startScriptedModel({
      script: [{ content: [{ type: 'text', text: 'hello there' }] }, { fault: { type: 'http', status: 429 } }],
    });
    try {
      const client = new Anthropic({ baseURL: model.url, apiKey: 'k', maxRetries: 0, fetch: createNodeFetch() });
      const stream = await client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      expect(text).toBe('hello there');
      await expect(
        client.messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'x' }],
        }),
      ).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    } finally {
      await model.close();
    }
  });
});
