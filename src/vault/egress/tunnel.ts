import { connect, type Socket } from 'node:net';
import { countBytes, errorCode, refuseTunnel } from './forward.js';
import { formatAuthority } from './hostRules.js';
import type { EgressLogEntry } from './types.js';

/**
 * A CONNECT tunnel: the proxy dials the checked address and splices the two sockets; what flows
 * through (TLS, usually) is opaque to it. `track` holds the upstream socket while it is open so
 * detaching the sandbox closes it; `log` gets the connection's summary when it closes.
 */
export function openTunnel(spec: {
  socket: Socket;
  head: Buffer;
  host: string;
  port: number;
  address: string;
  connectTimeoutMs: number;
  track: Set<Socket>;
  log(partial: Partial<EgressLogEntry>): void;
}): void {
  const { socket, head, host, port, address } = spec;
  const started = Date.now();
  const upstream = connect({ host: address, port });
  spec.track.add(upstream);
  let established = false;
  let failure: string | undefined;
  const timer = setTimeout(
    () => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    spec.connectTimeoutMs,
  );
  const out = countBytes(socket);
  const back = countBytes(upstream);
  socket.pause();
  upstream.once('connect', () => {
    clearTimeout(timer);
    established = true;
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  });
  upstream.on('error', (error) => {
    clearTimeout(timer);
    failure = `egress failed: could not connect to ${formatAuthority(host, port)} (${errorCode(error)})`;
    if (established) socket.destroy();
    else refuseTunnel(socket, 502, failure);
  });
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => {
    spec.track.delete(upstream);
    if (established) socket.end();
    spec.log({
      address,
      bytesOut: out.bytes,
      bytesIn: back.bytes,
      durationMs: Date.now() - started,
      ...(failure ? { error: failure } : {}),
    });
  });
}
