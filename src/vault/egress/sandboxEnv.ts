import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRIDGE_PORT, SANDBOX_SOCKET_DIR, SOCKET_NAME } from './types.js';

const PROXY_URL = `http://127.0.0.1:${BRIDGE_PORT}`;
const SOCKET = `${SANDBOX_SOCKET_DIR}/${SOCKET_NAME}`;

/** Inside the sandbox: 127.0.0.1:3128 → the sandbox's own socket. `fork`: one child per connection. */
export const BRIDGE_COMMAND = `exec socat TCP-LISTEN:${BRIDGE_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SOCKET}`;

/** In /proc/net/tcp (the sandbox's own network namespace) 0100007F:0C38 is 127.0.0.1:3128; state 0A is LISTEN. */
const LISTENING = ` 0100007F:${BRIDGE_PORT.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A `;

/** Returns once the bridge listens (≈7 ms after it starts), after 2–3 s at most, at once without socat. */
export const BRIDGE_READY =
  'if command -v socat >/dev/null; then for _ in {1..400}; do ' +
  `grep -qs '${LISTENING}' /proc/net/tcp && break; sleep 0.005; done; fi`;

/**
 * The sandbox's proxy variables. NO_PROXY keeps the sandbox's own loopback direct (a dev server
 * the agent started); `BOSUN_EGRESS_SOCKET` is for clients that speak HTTP over a Unix socket.
 */
export function proxyEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HTTP_PROXY: PROXY_URL,
    HTTPS_PROXY: PROXY_URL,
    http_proxy: PROXY_URL,
    https_proxy: PROXY_URL,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    BOSUN_EGRESS_SOCKET: SOCKET,
    ...extra,
  };
}

const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

/**
 * Under TLS interception the sandbox must trust the installation CA: `ca.pem` (for Node, which adds
 * it to its own store) and `ca-bundle.pem` (the system bundle plus the CA, for OpenSSL-based clients
 * that take one file) are written next to the socket, and the variables point the usual clients at them.
 */
export function writeCaFiles(socketDir: string, caCertPem: string): Record<string, string> {
  writeFileSync(join(socketDir, 'ca.pem'), caCertPem, { mode: 0o644 });
  const system = SYSTEM_CA_BUNDLES.find((path) => existsSync(path));
  writeFileSync(join(socketDir, 'ca-bundle.pem'), `${system ? readFileSync(system, 'utf8') : ''}\n${caCertPem}`, {
    mode: 0o644,
  });
  const ca = `${SANDBOX_SOCKET_DIR}/ca.pem`;
  const bundle = `${SANDBOX_SOCKET_DIR}/ca-bundle.pem`;
  return {
    NODE_EXTRA_CA_CERTS: ca,
    SSL_CERT_FILE: bundle,
    CURL_CA_BUNDLE: bundle,
    REQUESTS_CA_BUNDLE: bundle,
    PIP_CERT: bundle,
    GIT_SSL_CAINFO: bundle,
    npm_config_cafile: bundle,
  };
}
