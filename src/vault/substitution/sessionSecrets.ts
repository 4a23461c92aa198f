import { type HostRule, matchRule, parseHostRule } from '../egress/hostRules.js';
import type { EnvironmentVariableCredential } from '../sessionCredentials.js';
import type { Replacement } from './replaceAll.js';
import { secretForms } from './secretForms.js';

/** One `environment_variable` credential as one sandbox uses it. Holds plaintext: never log it. */
export interface SessionSecret {
  credentialId: string;
  vaultId: string;
  secretName: string;
  placeholder: string;
  value: string;
  header: boolean;
  body: boolean;
  /** Hosts the value is substituted on; null: any host the sandbox may reach (`unrestricted`). */
  hosts: HostRule[] | null;
}

export interface PreparedSecrets {
  secrets: SessionSecret[];
  /** `SECRET_NAME=<placeholder>` for the sandbox. */
  env: Record<string, string>;
  /** Every form of every value (raw, JSON, URL, base64) → its placeholder, for responses. */
  scrub: Replacement[];
}

/**
 * Variables the sandbox needs for itself: a credential may not shadow them (its placeholder
 * would replace the proxy address, the CA bundle or PATH).
 */
const RESERVED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'TERM',
  'TMPDIR',
  'PWD',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  'PIP_CERT',
  'GIT_SSL_CAINFO',
  'npm_config_cafile',
  'npm_config_registry',
]);

// What Node lets into a header value; a value with CR, LF or NUL could split the header.
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function prepareSessionSecrets(
  credentials: readonly EnvironmentVariableCredential[],
  placeholder: (credentialId: string) => string,
  warn: (credential: EnvironmentVariableCredential, message: string) => void,
): PreparedSecrets {
  const secrets: SessionSecret[] = [];
  const env: Record<string, string> = {};
  const scrub: Replacement[] = [];
  for (const credential of credentials) {
    const name = credential.secretName;
    if (RESERVED.has(name) || name.startsWith('BOSUN_')) {
      warn(credential, `secret_name ${name} is a variable the sandbox needs; this credential is not used`);
      continue;
    }
    const value = credential.value;
    let header = credential.injectionLocation.header;
    if (header && !HEADER_SAFE.test(Buffer.from(value, 'utf8').toString('latin1'))) {
      warn(credential, `its value holds control characters; it is not substituted in headers`);
      header = false;
    }
    const hosts =
      credential.networking.type === 'limited'
        ? credential.networking.allowed_hosts.flatMap((entry) => parseHostRule(entry, 'credential') ?? [])
        : null;
    const secret: SessionSecret = {
      credentialId: credential.credentialId,
      vaultId: credential.vaultId,
      secretName: name,
      placeholder: placeholder(credential.credentialId),
      value,
      header,
      body: credential.injectionLocation.body,
      hosts,
    };
    secrets.push(secret);
    env[name] = secret.placeholder;
    const to = Buffer.from(secret.placeholder);
    for (const form of secretForms(value)) scrub.push({ from: Buffer.from(form, 'utf8'), to });
  }
  return { secrets, env, scrub };
}

/** Whether the secret is substituted on requests to `host:port`. */
export function substitutesOn(secret: SessionSecret, host: string, port: number): boolean {
  return secret.hosts === null || matchRule(secret.hosts, host, port) !== null;
}
