import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressProxy, type EgressProxyServer } from './egressProxy.js';
import { createResolver } from './resolver.js';
import type { EgressLogEntry, NetworkPolicy, SandboxEgress } from './types.js';

let upstream: Server;
let port = 0;
let runDir: string;
let proxy: EgressProxyServer;
const logs: EgressLogEntry[] = [];
let counter = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('connection', 'close, x-hop');
      res.setHeader('x-hop', 'should not pass');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  port = (upstream.address() as AddressInfo).port;
  runDir = join(mkdtempSync(join(tmpdir(), 'bosun-egress-')), 'run');
  proxy = createEgressProxy({
    runDir,
    resolver: createResolver({
      hosts: {
        'api.allowed.test': '127.0.0.1',
        'a.cdn.test': '127.0.0.1',
        'other.test': '127.0.0.1',
        'vault.test': '127.0.0.1',
      },
      lookup: fakeDns,
    }),
    packageSources: async () => ({
      sources: [{ manager: 'npm', url: 'http://npm-mirror.test:4873/', origin: 'npm config registry' }],
      problems: [],
    }),
    log: (entry) => logs.push(entry),
    interceptor: {
      intercepts: (target) => target.host === 'vault.test',
      rewrite: async (req) => ({
        ...req,
        headers: { ...req.headers, authorization: 'Bearer from-the-vault' },
        body: Buffer.from(`${req.body.toString()}+signed`),
      }),
    },
  });
});
afterAll(async () => {
  await proxy?.close();
  upstream?.close();
  rmSync(join(runDir, '..'), { recursive: true, force: true });
});

/** Stands in for DNS (tests contact nothing beyond 127.0.0.0/8): answers are untrusted, like real ones. */
async function fakeDns(host: string): Promise<string[]> {
  const zone: Record<string, string[]> = {
    localhost: ['127.0.0.1'],
    'intranet.test': ['10.255.255.1'],
    'metadata.test': ['169.254.169.254'],
  };
  const answer = zone[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
}

const limited = (allowedHosts: string[], allowPackageManagers = false): NetworkPolicy => ({
  type: 'limited',
  allowedHosts,
  allowPackageManagers,
  allowMcpServers: false,
});
const attach = (policy: NetworkPolicy) =>
  proxy.attach({ sessionId: `sesn_unit_${++counter}`, environmentId: 'env_unit' }, policy);
const socketOf = (egress: SandboxEgress) => join(egress.socketDir, 'proxy.sock');

interface Answer {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request in absolute form, as a proxy-aware client sends it through HTTP_PROXY. */
function viaProxy(
  egress: SandboxEgress,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: socketOf(egress), path: url, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** CONNECT, then (when established) one plain HTTP request through the tunnel. */
function tunnel(egress: SandboxEgress, authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketOf(egress));
    let data = '';
    let sent = false;
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (!sent && data.startsWith('HTTP/1.1 200') && data.includes('\r\n\r\n')) {
        sent = true;
        socket.write(`GET /through-the-tunnel HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
      }
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

const lastLog = (host: string) => logs.filter((e) => e.host === host).at(-1);
const waitForLog = async (predicate: (e: EgressLogEntry) => boolean) => {
  for (let i = 0; i < 100 && !logs.some(predicate); i++) await new Promise((r) => setTimeout(r, 10));
  return logs.find(predicate);
};

describe('egress proxy: limited networking', () => {
  it('forwards an allowed request, with Host forced to the URL and hop-by-hop headers dropped', async () => {
    const egress = await attach(limited(['api.allowed.test']));
    const answer = await viaProxy(egress, `http://api.allowed.test:${port}/v1/items?q=1`, {
      method: 'POST',
      headers: {
        host: 'evil.test',
        'proxy-authorization': 'Basic eA==',
        'proxy-connection': 'keep-alive',
        'x-custom': 'kept',
      },
      body: 'payload',
    });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body);
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/items?q=1', body: 'payload' });
    expect(seen.headers.host).toBe(`api.allowed.test:${port}`);
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['proxy-connection']).toBeUndefined();
    expect(answer.headers['x-hop']).toBeUndefined();
    const entry = await waitForLog((e) => e.sessionId.endsWith(`_${counter}`) && e.decision === 'allowed');
    expect(entry).toMatchObject({
      kind: 'http',
      method: 'POST',
      host: 'api.allowed.test',
      port,
      reason: 'allowed_hosts: api.allowed.test',
      address: '127.0.0.1',
      status: 200,
      bytesOut: 7,
    });
    expect(JSON.stringify(entry)).not.toContain('/v1/items');
    await egress.detach();
  });

  it('refuses a host that is not allowed, explains why in the body, logs it and reports it once', async () => {
    const egress = await attach(limited(['api.allowed.test']));
    const answer = await viaProxy(egress, `http://other.test:${port}/secret?token=x`);
    expect(answer.status).toBe(403);
    expect(answer.body).toBe('egress denied: other.test is not in allowed_hosts\n');
    expect(answer.headers['x-bosun-egress']).toBe('denied');
    expect(lastLog('other.test')).toMatchObject({
      decision: 'denied',
      kind: 'http',
      reason: 'egress denied: other.test is not in allowed_hosts',
    });
    expect(JSON.stringify(lastLog('other.test'))).not.toContain('token');
    expect(egress.drainDenials()).toEqual(['egress denied: other.test is not in allowed_hosts']);
    expect(egress.drainDenials()).toEqual([]);
    await egress.detach();
  });

  it('tunnels CONNECT to an allowed host and refuses others with the explanation as the reason phrase', async () => {
    const egress = await attach(limited(['api.allowed.test']));
    const through = await tunnel(egress, `api.allowed.test:${port}`);
    expect(through).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(through).toContain('"url":"/through-the-tunnel"');
    const refused = await tunnel(egress, `other.test:${port}`);
    expect(refused).toMatch(/^HTTP\/1\.1 403 egress denied: other\.test is not in allowed_hosts\r\n/);
    expect(egress.drainDenials()).toEqual(['egress denied: other.test is not in allowed_hosts']);
    const entry = await waitForLog(
      (e) => e.kind === 'connect' && e.decision === 'allowed' && e.sessionId.endsWith(`_${counter}`),
    );
    expect(entry).toMatchObject({ method: 'CONNECT', host: 'api.allowed.test', address: '127.0.0.1' });
    expect(entry?.bytesIn).toBeGreaterThan(0);
    await egress.detach();
  });

  it('honours ports and wildcards', async () => {
    const egress = await attach(limited([`api.allowed.test:${port + 1}`, '*.cdn.test']));
    expect((await viaProxy(egress, `http://api.allowed.test:${port}/`)).body).toBe(
      `egress denied: api.allowed.test:${port} is not in allowed_hosts\n`,
    );
    expect((await viaProxy(egress, `http://a.cdn.test:${port}/`)).status).toBe(200);
    await egress.detach();
  });

  it('opens the package-manager hosts read from configuration only with allow_package_managers, and tells npm', async () => {
    const without = await attach(limited([]));
    expect((await viaProxy(without, 'http://npm-mirror.test:4873/left-pad')).status).toBe(403);
    expect(without.env['npm_config_registry']).toBeUndefined();
    const withPm = await attach(limited([], true));
    // allowed, then unresolvable: the name exists only in the test's configuration
    const answer = await viaProxy(withPm, 'http://npm-mirror.test:4873/left-pad');
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/^egress failed: npm-mirror\.test could not be resolved/);
    expect((await viaProxy(withPm, 'http://npm-mirror.test:80/left-pad')).status).toBe(403);
    expect(withPm.env['npm_config_registry']).toBe('http://npm-mirror.test:4873/');
    await Promise.all([without.detach(), withPm.detach()]);
  });

  it('never reaches loopback or link-local addresses, even when allow-listed by address', async () => {
    const egress = await attach(limited(['127.0.0.1', 'localhost', '169.254.169.254']));
    expect((await viaProxy(egress, `http://127.0.0.1:${port}/`)).body).toBe(
      'egress denied: 127.0.0.1 is a loopback address, which sandboxes may not reach\n',
    );
    expect((await viaProxy(egress, `http://0x7f.1:${port}/`)).status).toBe(403);
    expect((await viaProxy(egress, `http://localhost:${port}/`)).body).toMatch(
      /^egress denied: localhost resolves to 127\.0\.0\.1, a loopback address, which sandboxes may not reach/,
    );
    expect(await tunnel(egress, '169.254.169.254:80')).toMatch(
      /^HTTP\/1\.1 403 egress denied: 169\.254\.169\.254 is a link-local address/,
    );
    expect(await tunnel(egress, `[::ffff:127.0.0.1]:${port}`)).toMatch(/^HTTP\/1\.1 403 /);
    await egress.detach();
  });

  it('answers requests that are not proxy requests with an explanation', async () => {
    const egress = await attach(limited(['api.allowed.test']));
    const answer = await viaProxy(egress, '/relative');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/send absolute-form requests/);
    await egress.detach();
  });
});

describe('egress proxy: unrestricted networking', () => {
  it('allows any resolvable host but not the host itself, and explains unresolvable and unreachable ones', async () => {
    const egress = await attach({ type: 'unrestricted' });
    expect((await viaProxy(egress, `http://other.test:${port}/`)).status).toBe(200);
    expect(lastLog('other.test')).toMatchObject({ decision: 'allowed', reason: 'unrestricted' });
    expect((await viaProxy(egress, `http://127.0.0.1:${port}/`)).status).toBe(403);
    expect((await viaProxy(egress, 'http://10.255.255.1/')).body).toBe(
      'egress denied: 10.255.255.1 is a private address, which sandboxes may not reach\n',
    );
    expect((await viaProxy(egress, 'http://intranet.test/')).body).toBe(
      'egress denied: intranet.test resolves to 10.255.255.1, a private address, which sandboxes may not reach\n',
    );
    expect(await tunnel(egress, 'metadata.test:80')).toMatch(
      /^HTTP\/1\.1 403 egress denied: metadata\.test resolves to 169\.254\.169\.254, a link-local address/,
    );
    expect((await viaProxy(egress, 'http://does-not-exist.invalid/')).body).toBe(
      'egress failed: does-not-exist.invalid could not be resolved (ENOTFOUND)\n',
    );
    await egress.detach();
  });

  it('reports an upstream that refuses the connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const egress = await attach({ type: 'unrestricted' });
    expect((await viaProxy(egress, `http://other.test:${deadPort}/`)).body).toBe(
      `egress failed: could not reach other.test:${deadPort} (ECONNREFUSED)\n`,
    );
    expect(await tunnel(egress, `other.test:${deadPort}`)).toMatch(
      /^HTTP\/1\.1 502 egress failed: could not connect to other\.test:\d+ \(ECONNREFUSED\)/,
    );
    await egress.detach();
  });
});

describe('egress proxy: the interceptor hook (credential injection)', () => {
  it('hands requests to claimed hosts to the interceptor, which may rewrite headers and body', async () => {
    const egress = await attach(limited(['vault.test', 'api.allowed.test']));
    const injected = JSON.parse(
      (await viaProxy(egress, `http://vault.test:${port}/x`, { method: 'POST', body: 'data' })).body,
    );
    expect(injected.headers.authorization).toBe('Bearer from-the-vault');
    expect(injected.body).toBe('data+signed');
    expect(injected.headers['content-length']).toBe('11');
    const plain = JSON.parse((await viaProxy(egress, `http://api.allowed.test:${port}/x`)).body);
    expect(plain.headers.authorization).toBeUndefined();
    expect(await waitForLog((e) => e.host === 'vault.test' && e.intercepted === true)).toBeDefined();
    await egress.detach();
  });
});

describe('egress proxy: attachments', () => {
  it('give each sandbox its own socket (0666) in a fresh directory, with proxy variables and the socat bridge', async () => {
    const egress = await attach(limited(['api.allowed.test']));
    expect(statSync(runDir).mode & 0o777).toBe(0o711);
    expect(statSync(socketOf(egress)).mode & 0o777).toBe(0o666);
    expect(egress.env).toMatchObject({
      HTTP_PROXY: 'http://127.0.0.1:3128',
      https_proxy: 'http://127.0.0.1:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1',
      BOSUN_EGRESS_SOCKET: '/run/bosun/proxy.sock',
    });
    expect(egress.bridge).toBe(
      'exec socat TCP-LISTEN:3128,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:/run/bosun/proxy.sock',
    );
    expect(proxy.attached).toBeGreaterThan(0);
    const other = await attach(limited(['api.allowed.test']));
    expect(other.socketDir).not.toBe(egress.socketDir);
    await egress.detach();
    expect(existsSync(egress.socketDir)).toBe(false);
    await egress.detach();
    await other.detach();
  });

  it('refuse a run directory too long for a Unix socket path', async () => {
    const long = createEgressProxy({ runDir: join(tmpdir(), 'x'.repeat(90)) });
    await expect(long.attach({ sessionId: 's', environmentId: 'e' }, limited(['a.test']))).rejects.toThrow(
      /longer than 107 bytes/,
    );
    await long.close();
    rmSync(join(tmpdir(), 'x'.repeat(90)), { recursive: true, force: true });
  });
});
