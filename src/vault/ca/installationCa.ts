import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCaCertificate, importCa, type KeyedCertificate, type SigningCa, validity } from './x509.js';

export const CA_DIR = 'ca';
export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca.key';

/** The CA lives ten years; one closer than this to its end is replaced at start. */
const CA_LIFETIME_MS = 10 * 365 * 24 * 3_600_000;
const RENEW_BEFORE_MS = 30 * 24 * 3_600_000;
// Leaves start this far in the past (a sandbox clock a little behind), within their lifetime.
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface InstallationCa {
  /** PEM of the certificate sandboxes trust. */
  certPem: string;
  /** SHA-256 of the certificate (DER), hex: for logs and doctor. */
  fingerprint: string;
  notAfter: Date;
  signer: SigningCa;
  /** Whether this call created (or renewed) the CA. */
  created: boolean;
  /** Problems worth a log line that do not stop the server (a key file others can read). */
  warnings: string[];
}

/**
 * The per-installation CA the egress proxy terminates TLS with, for hosts whose requests carry
 * secrets. Kept in `<dataDir>/ca/` (directory 0700, `ca.key` 0600, `ca.pem` 0644), created on
 * first start, replaced within 30 days of its end. It is trusted only inside sandboxes (the proxy
 * hands them a bundle); nothing adds it to the host's trust store.
 */
export async function loadOrCreateInstallationCa(dataDir: string, now = new Date()): Promise<InstallationCa> {
  const dir = join(dataDir, CA_DIR);
  const warnings: string[] = [];
  const stored = readPair(dir);
  if (stored) {
    const { notAfter } = validity(stored.certPem);
    if (notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS) {
      const keyFile = join(dir, CA_KEY_FILE);
      if ((statSync(keyFile).mode & 0o077) !== 0) {
        warnings.push(`${keyFile} is readable by other users; run \`chmod 600 ${keyFile}\`.`);
      }
      return describe(stored, await importCa(stored), false, warnings);
    }
    warnings.push(`the egress CA in ${dir} expires ${notAfter.toISOString()}; a new one was created`);
  }
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const pair = await createCaCertificate(
    `Bosun egress CA ${randomBytes(4).toString('hex')}`,
    notBefore,
    new Date(notBefore.getTime() + CA_LIFETIME_MS),
  );
  const written = writePair(dataDir, pair, stored !== null);
  return describe(written, await importCa(written), written === pair, warnings);
}

function describe(pair: KeyedCertificate, signer: SigningCa, created: boolean, warnings: string[]): InstallationCa {
  return {
    certPem: pair.certPem,
    fingerprint: createHash('sha256').update(Buffer.from(signer.cert.rawData)).digest('hex'),
    notAfter: signer.cert.notAfter,
    signer,
    created,
    warnings,
  };
}

function readPair(dir: string): KeyedCertificate | null {
  try {
    return {
      certPem: readFileSync(join(dir, CA_CERT_FILE), 'utf8'),
      keyPem: readFileSync(join(dir, CA_KEY_FILE), 'utf8'),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes the pair into a fresh directory and renames it into place, so a reader never sees a key
 * without its certificate. A first start that loses a race to another process uses the winner's
 * pair; a renewal replaces the old directory.
 */
function writePair(dataDir: string, pair: KeyedCertificate, replace: boolean): KeyedCertificate {
  const dir = join(dataDir, CA_DIR);
  const staging = join(dataDir, `.${CA_DIR}-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    writeFileSync(join(staging, CA_KEY_FILE), pair.keyPem, { mode: 0o600, flag: 'wx' });
    writeFileSync(join(staging, CA_CERT_FILE), pair.certPem, { mode: 0o644, flag: 'wx' });
    if (replace) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      const winner = readPair(dir);
      if (!winner) throw error;
      return winner;
    }
    chmodSync(dir, 0o700);
    return pair;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
