import http from 'node:http';
import net from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createServer } from '@modelcontextprotocol/server-everything/dist/server/index.js';
import { Client, StreamableHTTPClientTransport, SSEClientTransport } from '@modelcontextprotocol/client';

const transports = new Map();
const srv = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (req.method === 'GET' && u.pathname === '/sse') {
    const { server } = createServer();
    const t = new SSEServerTransport('/message', res);
    transports.set(t.sessionId, t);
    await server.connect(t);
    return;
  }
  if (req.method === 'POST' && u.pathname === '/message') {
    const t = transports.get(u.searchParams.get('sessionId'));
    if (!t) { res.writeHead(404).end(); return; }
    await t.handlePostMessage(req, res); return;
  }
  res.writeHead(405).end();
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = new URL(`http://127.0.0.1:${srv.address().port}/sse`);
const c = new Client({ name: 'bosun', version: '0' });
try { await c.connect(new StreamableHTTPClientTransport(url), { timeout: 2000 }); } catch (e) { console.log('streamable fails', e.constructor.name, e.code, e.data?.status, e.message); }
const c2 = new Client({ name: 'bosun', version: '0' });
let t0 = Date.now();
await c2.connect(new SSEClientTransport(url, { authProvider: { token: async () => 'x' } }));
console.log('sse connected', Date.now() - t0);
console.log(JSON.stringify(await c2.callTool({ name: 'echo', arguments: { message: 'sse' } })));
await c2.close();
// black hole
const bh = net.createServer(() => {}); await new Promise((r) => bh.listen(0, '127.0.0.1', r));
const c3 = new Client({ name: 'bosun', version: '0' });
t0 = Date.now();
try { await c3.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${bh.address().port}/mcp`)), { timeout: 500 }); } catch (e) { console.log('blackhole', Date.now() - t0, e.constructor.name, e.code, e.message); }
const c4 = new Client({ name: 'bosun', version: '0' });
t0 = Date.now();
try { await c4.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:1/mcp`)), { timeout: 500 }); } catch (e) { console.log('refused', Date.now() - t0, e.constructor.name, e.message, e.cause?.code, e.cause?.constructor?.name, e.cause?.errors?.map(x=>x.code)); }
process.exit(0);
