import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsInterception } from '../egress/types.js';
import { CLOCK_SKEW_MS, type InstallationCa } from './installationCa.js';
import { createLeafCertificate } from './x509.js';

/** A leaf lives at most this long (from its notBefore, which is `CLOCK_SKEW_MS` in the past). */
export const LEAF_LIFETIME_MS = 24 * 3_600_000;

export interface LeafCertificateOptions {
  /** Leaves kept (least recently used go first). Default 1000. */
  maxEntries?: number;
  /** A cached leaf is replaced after this long, so every leaf served has at least 12 h left. Default 12 h. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The proxy's `tls` option: the installation CA's certificate for sandboxes to trust, and a TLS
 * server context per host, signed by the CA (ECDSA P-256, ≤ 24 h), cached by host in a bounded
 * LRU. Issuing takes about a millisecond; the cache saves the handshake-time work for hosts a
 * session calls again and again.
 */
export function createLeafCertificates(ca: InstallationCa, options: LeafCertificateOptions = {}): TlsInterception {
  const maxEntries = options.maxEntries ?? 1000;
  const maxAgeMs = Math.min(options.maxAgeMs ?? 12 * 3_600_000, LEAF_LIFETIME_MS - CLOCK_SKEW_MS - 60_000);
  const now = options.now ?? Date.now;
  // Map iteration is insertion order: re-inserting on use makes the first key the least recent.
  const cache = new Map<string, { issuedAt: number; context: Promise<SecureContext> }>();

  const issue = async (host: string, issuedAt: number): Promise<SecureContext> => {
    const notBefore = new Date(issuedAt - CLOCK_SKEW_MS);
    const notAfter = new Date(Math.min(notBefore.getTime() + LEAF_LIFETIME_MS, ca.notAfter.getTime()));
    const leaf = await createLeafCertificate(ca.signer, host, notBefore, notAfter);
    return createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
  };

  return {
    caCertPem: ca.certPem,
    secureContext(host) {
      const at = now();
      const cached = cache.get(host);
      cache.delete(host);
      if (cached && at - cached.issuedAt < maxAgeMs) {
        cache.set(host, cached);
        return cached.context;
      }
      const entry = { issuedAt: at, context: issue(host, at) };
      // A failed issue is not remembered.
      entry.context.catch(() => {
        if (cache.get(host) === entry) cache.delete(host);
      });
      cache.set(host, entry);
      while (cache.size > maxEntries) {
        const oldest = cache.keys().next().value;
        if (oldest === undefined) break;
        cache.delete(oldest);
      }
      return entry.context;
    },
  };
}
