// @peculiar/x509 2.x resolves its services through tsyringe, which needs the Reflect polyfill
// loaded before the library itself (libraries.md). This module is the only one importing it.
import 'reflect-metadata';
import { createPrivateKey, X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

type CryptoKey = webcrypto.CryptoKey;

const EC: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface KeyedCertificate {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

/** A self-signed CA that may sign end-entity certificates only (path length 0). */
export async function createCaCertificate(
  commonName: string,
  notBefore: Date,
  notAfter: Date,
): Promise<KeyedCertificate> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }, { O: ['Bosun'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A loaded CA, ready to sign. */
export interface SigningCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export async function importCa(pair: KeyedCertificate): Promise<SigningCa> {
  const cert = new x509.X509Certificate(pair.certPem);
  const der = x509.PemConverter.decodeFirst(pair.keyPem);
  const key = await webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign']);
  // The key must be the certificate's: a mismatched pair would sign leaves nobody trusts.
  if (!new NodeX509Certificate(pair.certPem).checkPrivateKey(createPrivateKey(pair.keyPem))) {
    throw new Error('the CA private key does not belong to the CA certificate');
  }
  return { cert, key };
}

/** A server certificate for `host` (a DNS name or an IP address) signed by `ca`, with a fresh key. */
export async function createLeafCertificate(
  ca: SigningCa,
  host: string,
  notBefore: Date,
  notAfter: Date,
): Promise<KeyedCertificate> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const name = isIP(host) === 0 ? { type: 'dns' as const, value: host } : { type: 'ip' as const, value: host };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [host] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([name]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** The certificate's validity, for deciding when to renew. */
export function validity(certPem: string): { notBefore: Date; notAfter: Date; subject: string } {
  const cert = new x509.X509Certificate(certPem);
  return { notBefore: cert.notBefore, notAfter: cert.notAfter, subject: cert.subject };
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** 128 random bits, positive (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
