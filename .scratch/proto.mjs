import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createServer } from '@modelcontextprotocol/server-everything/dist/server/index.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const transports = new Map();
const srv = http.createServer(async (req, res) => {
  if (req.headers.authorization !== 'Bearer good') { res.writeHead(401, {'www-authenticate': 'Bearer'}); res.end(); return; }
  const sid = req.headers['mcp-session-id'];
  if (sid) {
    const t = transports.get(sid);
    if (!t) { res.writeHead(404).end(); return; }
    await t.handleRequest(req, res); return;
  }
  if (req.method !== 'POST') { res.writeHead(405).end(); return; }
  const { server, cleanup } = createServer();
  const t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => transports.set(id, t) });
  await server.connect(t);
  await t.handleRequest(req, res);
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = new URL(`http://127.0.0.1:${srv.address().port}/mcp`);
const t0 = Date.now();
const client = new Client({ name: 'bosun', version: '0' });
client.onerror = (e) => console.log('onerror', e.message);
const tr = new StreamableHTTPClientTransport(url, { authProvider: { token: async () => 'good' } });
await client.connect(tr);
console.log('connected', Date.now() - t0, client.getServerVersion(), tr.protocolVersion);
const tools = await client.listTools();
console.log(tools.tools.map((t) => t.name), JSON.stringify(tools.tools.find(t=>t.name==='echo')));
console.log(JSON.stringify(await client.callTool({ name: 'echo', arguments: { message: 'hi' } })));
console.log(JSON.stringify(await client.callTool({ name: 'get-tiny-image', arguments: {} })).slice(0, 400));
console.log(JSON.stringify(await client.callTool({ name: 'get-resource-reference', arguments: { resourceType: 'Text', resourceId: 1 } })).slice(0, 600));
console.log(JSON.stringify(await client.callTool({ name: 'get-structured-content', arguments: { location: 'New York' } })).slice(0, 600));
try { console.log(JSON.stringify(await client.callTool({ name: 'nope', arguments: {} }))); } catch (e) { console.log('err', e.constructor.name, e.message); }
try { console.log(JSON.stringify(await client.callTool({ name: 'echo', arguments: {message: 3} }))); } catch (e) { console.log('err', e.constructor.name, e.message); }
await client.close();
// bad token
const c2 = new Client({ name: 'bosun', version: '0' });
try { await c2.connect(new StreamableHTTPClientTransport(url, { authProvider: { token: async () => 'bad' } })); } catch (e) { console.log('badtoken', e.constructor.name, e.code, e.message); }
const c3 = new Client({ name: 'bosun', version: '0' });
try { await c3.connect(new StreamableHTTPClientTransport(url, { authProvider: { token: async () => 'bad', onUnauthorized: async () => { throw new Error('refresh failed'); } } })); } catch (e) { console.log('badtoken2', e.constructor.name, e.code, e.message); }
srv.close(); srv.closeAllConnections();
const c4 = new Client({ name: 'bosun', version: '0' });
try { await c4.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1:1/mcp'))); } catch (e) { console.log('down', e.constructor.name, e.code, e.message, e.cause?.code); }
process.exit(0);
