import type { Server } from 'node:http';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressInterceptor, TlsInterception } from '../../src/vault/egress/types.js';
import { ok } from '../escape/handsFixture.js';
import {
  echo,
  type EgressFixture,
  egressFixture,
  limited,
  listenHttps,
  makePki,
  type TestPki,
} from './egressFixture.js';

/**
 * The hook the vault will use for credential injection: the proxy terminates TLS for claimed hosts
 * with a per-installation CA that sandboxes trust, hands each request to the interceptor, and
 * forwards it over a fresh TLS connection that verifies the real upstream. The secret never
 * enters the sandbox. (The vault's own injector is a later step; a stand-in plays it here.)
 */
const SECRET = 's3cr3t-from-the-vault';
let upstreamPki: TestPki;
let installation: TestPki;
let upstream: Server;
let port = 0;
let f: EgressFixture;

const interceptor: EgressInterceptor = {
  intercepts: (target) => target.host === 'api.vault.test',
  rewrite: async (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${SECRET}` } }),
};

beforeAll(async () => {
  upstreamPki = makePki(['api.vault.test', 'api.allowed.test'], 'upstream CA');
  installation = makePki(['api.vault.test'], 'bosun installation CA');
  ({ server: upstream, port } = await listenHttps(echo('upstream'), upstreamPki));
  const tls: TlsInterception = {
    caCertPem: installation.caPem,
    secureContext: async () => createSecureContext({ key: installation.keyPem, cert: installation.certPem }),
  };
  f = egressFixture({ interceptor, tls, upstreamCa: upstreamPki.caPem });
});
afterAll(async () => {
  upstream?.close();
  await f?.close();
});

describe('TLS interception for hosts the interceptor claims', () => {
  it('terminates the tunnel with the installation CA, which the sandbox trusts, and injects the credential', async () => {
    const session = f.session(limited(['api.vault.test', 'api.allowed.test']));
    const answer = JSON.parse(
      ok(await f.bash(session, `curl -sS --max-time 10 https://api.vault.test:${port}/v1/data`)),
    );
    expect(answer).toEqual({
      server: 'upstream',
      path: '/v1/data',
      host: `api.vault.test:${port}`,
      auth: `Bearer ${SECRET}`,
    });
    const issuer = ok(
      await f.bash(
        session,
        `openssl s_client -proxy 127.0.0.1:3128 -connect api.vault.test:${port} -servername api.vault.test </dev/null 2>/dev/null | grep '^issuer'`,
      ),
    );
    expect(issuer).toContain('bosun installation CA');
    expect(ok(await f.bash(session, `env | grep -c '${SECRET}'; grep -rlc '${SECRET}' /run/bosun; true`))).toBe('0');
    expect(f.logs.find((e) => e.sessionId === session.sessionId && e.host === 'api.vault.test')).toMatchObject({
      kind: 'connect',
      decision: 'allowed',
      intercepted: true,
      status: 200,
    });
    expect(JSON.stringify(f.logs)).not.toContain(SECRET);
  });

  it('leaves other hosts end to end: the sandbox sees the upstream certificate and no credential', async () => {
    const session = f.session(limited(['api.vault.test', 'api.allowed.test']));
    ok(await f.call(session, 'write', { file_path: 'upstream-ca.pem', content: upstreamPki.caPem }));
    const answer = JSON.parse(
      ok(await f.bash(session, `curl -sS --cacert upstream-ca.pem https://api.allowed.test:${port}/plain`)),
    );
    expect(answer).toMatchObject({ path: '/plain', auth: null });
  });

  it('verifies the real upstream: an untrusted upstream certificate is a 502, never a silent downgrade', async () => {
    const strict = egressFixture({
      interceptor,
      tls: {
        caCertPem: installation.caPem,
        secureContext: async () => createSecureContext({ key: installation.keyPem, cert: installation.certPem }),
      },
    });
    try {
      const session = strict.session(limited(['api.vault.test']));
      const answer = ok(await strict.bash(session, `curl -sS https://api.vault.test:${port}/v1/data`));
      expect(answer).toMatch(
        /^egress failed: could not reach api\.vault\.test:\d+ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/,
      );
    } finally {
      await strict.close();
    }
  });
});
