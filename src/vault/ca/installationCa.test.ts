import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, connect, type PeerCertificate, type SecureContext, TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateInstallationCa } from './installationCa.js';
import { createLeafCertificates, LEAF_LIFETIME_MS } from './leafCertificates.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-ca-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** A real handshake: a TLS server with the leaf for `host`, a client that trusts only `caPem`. */
async function handshake(
  secureContext: SecureContext,
  caPem: string,
  host: string,
): Promise<{ authorized: boolean; error?: string; cert: PeerCertificate }> {
  const server = createServer((socket) => {
    const tls = new TLSSocket(socket, { isServer: true, secureContext });
    tls.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise((resolve, reject) => {
      const client = connect({
        host: '127.0.0.1',
        port,
        ca: caPem,
        ...(/^[\d.]+$/.test(host) ? {} : { servername: host }),
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      client.once('secureConnect', () => {
        // Node's own name check, done here so a mismatch is reported rather than thrown
        const identity = checkServerIdentity(host, client.getPeerCertificate());
        resolve({
          authorized: client.authorized && identity === undefined,
          ...(client.authorizationError ? { error: String(client.authorizationError) } : {}),
          ...(identity ? { error: identity.message } : {}),
          cert: client.getPeerCertificate(),
        });
        client.end();
      });
      client.once('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('the installation CA', () => {
  it('is created once under <dataDir>/ca with a private key only its owner can read, then reused', async () => {
    const first = await loadOrCreateInstallationCa(dataDir);
    expect(first.created).toBe(true);
    expect(first.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(statSync(join(dataDir, 'ca')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'ca', 'ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = await loadOrCreateInstallationCa(dataDir);
    expect(again.created).toBe(false);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.warnings).toEqual([]);
    expect(again.notAfter.getTime() - Date.now()).toBeGreaterThan(9 * 365 * 24 * 3_600_000);
  });

  it('warns about a key file others can read, and refuses a key that is not the certificate’s', async () => {
    await loadOrCreateInstallationCa(dataDir);
    const keyFile = join(dataDir, 'ca', 'ca.key');
    chmodSync(keyFile, 0o644);
    expect((await loadOrCreateInstallationCa(dataDir)).warnings.join()).toContain('readable by other users');
    const other = mkdtempSync(join(tmpdir(), 'bosun-ca-other-'));
    try {
      await loadOrCreateInstallationCa(other);
      writeFileSync(keyFile, readFileSync(join(other, 'ca', 'ca.key')));
      await expect(loadOrCreateInstallationCa(dataDir)).rejects.toThrow('does not belong to the CA certificate');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('is replaced when it is within 30 days of its end', async () => {
    const first = await loadOrCreateInstallationCa(dataDir);
    const late = new Date(first.notAfter.getTime() - 10 * 24 * 3_600_000);
    const renewed = await loadOrCreateInstallationCa(dataDir, late);
    expect(renewed.created).toBe(true);
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
    expect(renewed.warnings.join()).toContain('a new one was created');
    expect((await loadOrCreateInstallationCa(dataDir, late)).fingerprint).toBe(renewed.fingerprint);
  });
});

describe('leaf certificates', () => {
  it('signs a leaf per host that a client trusting only the CA accepts for that name, and no other', async () => {
    const ca = await loadOrCreateInstallationCa(dataDir);
    const leaves = createLeafCertificates(ca);
    const result = await handshake(await leaves.secureContext('api.service.test'), ca.certPem, 'api.service.test');
    expect(result).toMatchObject({ authorized: true });
    expect(result.cert.subjectaltname).toBe('DNS:api.service.test');
    const lifetime = Date.parse(result.cert.valid_to) - Date.parse(result.cert.valid_from);
    expect(lifetime).toBeLessThanOrEqual(LEAF_LIFETIME_MS);
    expect(Date.parse(result.cert.valid_from)).toBeLessThanOrEqual(Date.now());
    const wrongName = await handshake(await leaves.secureContext('api.service.test'), ca.certPem, 'evil.test');
    expect(wrongName.authorized).toBe(false);
    const ip = await handshake(await leaves.secureContext('192.0.2.7'), ca.certPem, '192.0.2.7');
    expect(ip).toMatchObject({ authorized: true });
    expect(ip.cert.subjectaltname).toBe('IP Address:192.0.2.7');
  });

  it('is not trusted by a client that does not trust the installation CA', async () => {
    const ca = await loadOrCreateInstallationCa(dataDir);
    const other = mkdtempSync(join(tmpdir(), 'bosun-ca-other-'));
    try {
      const foreign = await loadOrCreateInstallationCa(other);
      const leaves = createLeafCertificates(ca);
      const result = await handshake(
        await leaves.secureContext('api.service.test'),
        foreign.certPem,
        'api.service.test',
      );
      expect(result.authorized).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('caches leaves per host, bounded, and issues a fresh one once a cached leaf is half-way through its life', async () => {
    const ca = await loadOrCreateInstallationCa(dataDir);
    let now = Date.now();
    const leaves = createLeafCertificates(ca, { maxEntries: 2, now: () => now });
    const a = await leaves.secureContext('a.test');
    expect(await leaves.secureContext('a.test')).toBe(a);
    const b = await leaves.secureContext('b.test');
    expect(await leaves.secureContext('a.test')).toBe(a); // a is now the most recent
    await leaves.secureContext('c.test'); // evicts b, the least recently used
    expect(await leaves.secureContext('a.test')).toBe(a);
    expect(await leaves.secureContext('b.test')).not.toBe(b);
    now += 12 * 3_600_000;
    expect(await leaves.secureContext('a.test')).not.toBe(a);
  });
});
