import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPackageSources } from '../../src/vault/egress/packageHosts.js';
import { err, ok } from '../escape/handsFixture.js';
import {
  echo,
  type EgressFixture,
  egressFixture,
  limited,
  listenHttp,
  listenHttps,
  makePki,
  type TestPki,
  text,
} from './egressFixture.js';

/**
 * Real bubblewrap sandboxes behind the real egress proxy, against test servers on 127.0.0.1
 * that the proxy's resolver knows under fake names. Inside, only the bridge on 127.0.0.1:3128
 * leads out, to the sandbox's own socket.
 */
let f: EgressFixture;
let pki: TestPki;
const servers: Array<Server | NetServer> = [];
let httpPort = 0;
let httpsPort = 0;
let canaryPort = 0;
let canaryConnections = 0;
let tmp: string;

beforeAll(async () => {
  f = egressFixture();
  tmp = mkdtempSync(join(tmpdir(), 'bosun-egress-cfg-'));
  pki = makePki(['api.allowed.test', 'blocked.test', 'anything.test']);
  const http = await listenHttp(echo('http'));
  const https = await listenHttps(echo('https'), pki);
  servers.push(http.server, https.server);
  httpPort = http.port;
  httpsPort = https.port;
  const canary = createServer((socket) => {
    canaryConnections++;
    socket.on('error', () => {});
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nleaked\n');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', () => resolve()));
  canaryPort = (canary.address() as { port: number }).port;
  servers.push(canary);
});
afterAll(async () => {
  for (const server of servers) server.close();
  await f?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The test CA, written into the session's workspace so curl in the sandbox can verify the test servers. */
const withCa = async (session: ReturnType<EgressFixture['session']>) => {
  ok(await f.call(session, 'write', { file_path: 'test-ca.pem', content: pki.caPem }));
  return session;
};

describe('egress from a sandbox: limited networking', () => {
  it('reaches an allowed host over HTTP and HTTPS (CONNECT) with curl', async () => {
    const session = await withCa(f.session(limited(['api.allowed.test'])));
    const plain = JSON.parse(
      ok(await f.bash(session, `curl -sS --max-time 10 http://api.allowed.test:${httpPort}/hello`)),
    );
    expect(plain).toEqual({ server: 'http', path: '/hello', host: `api.allowed.test:${httpPort}`, auth: null });
    const tls = JSON.parse(
      ok(
        await f.bash(session, `curl -sS --max-time 10 --cacert test-ca.pem https://api.allowed.test:${httpsPort}/tls`),
      ),
    );
    expect(tls).toMatchObject({ server: 'https', path: '/tls' });
    expect(
      f.logs.filter((e) => e.sessionId === session.sessionId && e.decision === 'allowed').map((e) => e.kind),
    ).toEqual(expect.arrayContaining(['http', 'connect']));
  });

  it('refuses a host that is not allowed, and the tool result says why', async () => {
    const session = await withCa(f.session(limited(['api.allowed.test'])));
    const plain = ok(await f.bash(session, `curl -sS --max-time 10 http://blocked.test:${httpPort}/x`));
    expect(plain).toContain('egress denied: blocked.test is not in allowed_hosts');
    const tls = text(
      await f.bash(session, `curl -sS --max-time 10 --cacert test-ca.pem https://blocked.test:${httpsPort}/x`),
    );
    // curl shows only the status of a refused tunnel; the hands append the proxy's explanation
    expect(tls).toContain('CONNECT tunnel failed, response 403');
    expect(tls).toContain('[egress denied: blocked.test is not in allowed_hosts]');
    const denied = f.logs.filter((e) => e.sessionId === session.sessionId && e.decision === 'denied');
    expect(denied.map((e) => [e.kind, e.host, e.reason])).toEqual([
      ['http', 'blocked.test', 'egress denied: blocked.test is not in allowed_hosts'],
      ['connect', 'blocked.test', 'egress denied: blocked.test is not in allowed_hosts'],
    ]);
  });

  it("cannot connect directly to the host's loopback services, nor through the proxy", async () => {
    const session = f.session(limited(['api.allowed.test', '127.0.0.1']));
    expect(err(await f.bash(session, `exec 3<>/dev/tcp/127.0.0.1/${canaryPort}`))).toMatch(/Connection refused/);
    expect(err(await f.bash(session, `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${canaryPort}/`))).toMatch(
      /Couldn't connect|Failed to connect/,
    );
    expect(
      err(await f.bash(session, `curl -sS --noproxy '*' --max-time 5 http://api.allowed.test:${canaryPort}/`)),
    ).toMatch(/resolve/i);
    // NO_PROXY keeps the sandbox's own loopback direct; --noproxy '' sends the request to the proxy anyway
    const proxied = text(await f.bash(session, `curl -sS --noproxy '' --max-time 5 http://127.0.0.1:${canaryPort}/`));
    expect(proxied).toContain('egress denied: 127.0.0.1 is a loopback address, which sandboxes may not reach');
    expect(canaryConnections).toBe(0);
  });

  it('with nothing allowed means no network at all: no socket, no proxy variables, no bridge', async () => {
    const session = f.session(limited([]));
    const attachedBefore = f.proxy.attached;
    expect(
      ok(await f.call(session, 'bash', { command: 'echo "proxy=${HTTPS_PROXY:-none}"; ls /run/bosun 2>&1; true' })),
    ).toMatch(/^proxy=none\nls: cannot access '\/run\/bosun': No such file or directory$/);
    expect(
      err(await f.call(session, 'bash', { command: `curl -sS --max-time 5 http://api.allowed.test:${httpPort}/` })),
    ).toMatch(/resolve/i);
    expect(err(await f.call(session, 'bash', { command: `exec 3<>/dev/tcp/127.0.0.1/3128` }))).toMatch(
      /Connection refused/,
    );
    expect(f.proxy.attached).toBe(attachedBefore);
    expect(f.logs.some((e) => e.sessionId === session.sessionId)).toBe(false);
  });

  it('opens the hosts the package managers are configured to use, read from their configuration', async () => {
    const packument = (port: number) => ({
      name: 'left-pad',
      'dist-tags': { latest: '1.3.0' },
      versions: {
        '1.3.0': {
          name: 'left-pad',
          version: '1.3.0',
          dist: { tarball: `http://npm-mirror.test:${port}/left-pad/-/left-pad-1.3.0.tgz` },
        },
      },
    });
    let npmPort = 0;
    const npm = await listenHttp((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/left-pad' ? JSON.stringify(packument(npmPort)) : '{}');
    });
    npmPort = npm.port;
    const apt = await listenHttp(echo('apt'));
    servers.push(npm.server, apt.server);
    const aptDir = join(tmp, 'apt');
    mkdirSync(join(aptDir, 'sources.list.d'), { recursive: true });
    writeFileSync(
      join(aptDir, 'sources.list.d', 'mirror.sources'),
      `Types: deb\nURIs: http://apt-mirror.test:${apt.port}/debian\nSuites: bookworm\nComponents: main\n`,
    );
    // the operator's npm configuration points at a mirror; nothing in Bosun names a registry
    const sources = await discoverPackageSources({
      aptDir,
      searchPath: '/usr/local/bin:/usr/bin:/bin',
      env: { ...process.env, npm_config_registry: `http://npm-mirror.test:${npmPort}/` },
    });
    const g = egressFixture({ packageSources: async () => sources });
    try {
      const session = g.session(limited([], { allow_package_managers: true }));
      // npm in the sandbox uses the mirror (npm_config_registry) through the proxy (HTTP_PROXY)
      expect(ok(await g.bash(session, 'npm view left-pad version 2>&1'))).toBe('1.3.0');
      expect(
        JSON.parse(
          ok(await g.bash(session, `curl -sS http://apt-mirror.test:${apt.port}/debian/dists/bookworm/InRelease`)),
        ),
      ).toMatchObject({
        server: 'apt',
      });
      expect(ok(await g.bash(session, `curl -sS http://api.allowed.test:${httpPort}/`))).toContain(
        'egress denied: api.allowed.test is not in allowed_hosts',
      );
      const denied = ok(await g.bash(session, `curl -sS http://apt-mirror.test:${httpPort}/`));
      expect(denied).toContain(`egress denied: apt-mirror.test:${httpPort} is not in allowed_hosts`);
      expect(g.logs.find((e) => e.host === 'npm-mirror.test')).toMatchObject({
        decision: 'allowed',
        reason: `package_managers: npm: npm-mirror.test:${npmPort}`,
      });

      const without = g.session(limited(['api.allowed.test']));
      expect(ok(await g.bash(without, `curl -sS http://npm-mirror.test:${npmPort}/left-pad`))).toContain(
        'egress denied: npm-mirror.test is not in allowed_hosts',
      );
    } finally {
      await g.close();
    }
  }, 60_000);
});

describe('egress from a sandbox: unrestricted networking', () => {
  it('reaches any resolvable host, explains unresolvable ones, and still never the host itself', async () => {
    const session = await withCa(f.session({ type: 'unrestricted' }));
    expect(JSON.parse(ok(await f.bash(session, `curl -sS http://anything.test:${httpPort}/open`)))).toMatchObject({
      path: '/open',
    });
    expect(
      JSON.parse(ok(await f.bash(session, `curl -sS --cacert test-ca.pem https://anything.test:${httpsPort}/open`))),
    ).toMatchObject({
      server: 'https',
    });
    expect(ok(await f.bash(session, 'curl -sS http://not-in-dns.invalid/'))).toBe(
      'egress failed: not-in-dns.invalid could not be resolved (ENOTFOUND)',
    );
    expect(ok(await f.bash(session, `curl -sS --noproxy '' http://127.0.0.1:${canaryPort}/`))).toContain(
      'a loopback address',
    );
    expect(err(await f.bash(session, `exec 3<>/dev/tcp/127.0.0.1/${canaryPort}`))).toMatch(/Connection refused/);
    expect(canaryConnections).toBe(0);
  });

  it('a fresh shell (after a restart) gets a fresh bridge', async () => {
    const session = f.session({ type: 'unrestricted' });
    ok(await f.bash(session, `curl -sS http://anything.test:${httpPort}/one`));
    ok(await f.call(session, 'bash', { restart: true }));
    expect(JSON.parse(ok(await f.bash(session, `curl -sS http://anything.test:${httpPort}/two`)))).toMatchObject({
      path: '/two',
    });
  });
});

describe('egress attachments follow the sandbox', () => {
  it('are detached, and their socket removed, when the session is destroyed', async () => {
    const session = f.session(limited(['api.allowed.test']));
    ok(await f.bash(session, `curl -sS http://api.allowed.test:${httpPort}/`));
    const before = f.proxy.attached;
    await f.hands.destroy(session.sessionId);
    expect(f.proxy.attached).toBe(before - 1);
  });
});
