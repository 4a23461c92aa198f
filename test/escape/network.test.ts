import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture, newSession, ok, requireBubblewrap } from './handsFixture.js';

/** `limited` with nothing allowed (and, until the egress proxy exists, any networking) means no network at all. */
let f: HandsFixture;
let tcp: Server;
let abstract: Server;
let port = 0;
let connections = 0;
const ABSTRACT_NAME = `bosun-escape-${process.pid}`;

const listen = (server: Server, ...args: unknown[]) =>
  new Promise<void>((resolve) => (server.listen as (...a: unknown[]) => void)(...args, () => resolve()));

beforeAll(async () => {
  requireBubblewrap();
  f = handsFixture();
  tcp = createServer((socket) => {
    connections++;
    socket.end('hello from the host\n');
  });
  await listen(tcp, 0, '127.0.0.1');
  port = (tcp.address() as { port: number }).port;
  abstract = createServer((socket) => {
    connections++;
    socket.end();
  });
  await listen(abstract, `\0${ABSTRACT_NAME}`);
});
afterAll(async () => {
  tcp?.close();
  abstract?.close();
  await f?.close();
});

describe('escape suite: the network', () => {
  it('has only a loopback interface', async () => {
    const devices = ok(await f.call('bash', { command: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '" }));
    expect(devices).toBe('lo');
  });

  it("cannot connect to the host's loopback services", async () => {
    expect(err(await f.call('bash', { command: `exec 3<>/dev/tcp/127.0.0.1/${port}` }))).toMatch(/Connection refused/);
    expect(err(await f.call('bash', { command: `curl -sS --max-time 3 http://127.0.0.1:${port}/` }))).toMatch(
      /Couldn't connect|Failed to connect/,
    );
    expect(err(await f.call('bash', { command: `curl -sS --max-time 3 http://[::1]:${port}/` }))).toMatch(
      /connect|resolve/i,
    );
    expect(connections).toBe(0);
  });

  it("cannot reach the host's abstract Unix sockets (they are scoped to the network namespace)", async () => {
    const script = `import socket; s = socket.socket(socket.AF_UNIX); s.connect('\\0${ABSTRACT_NAME}')`;
    expect(err(await f.call('bash', { command: `python3 -c "${script}"` }))).toMatch(
      /ConnectionRefusedError|FileNotFoundError/,
    );
    expect(connections).toBe(0);
  });

  it('cannot reach any outside address or resolve names', async () => {
    expect(err(await f.call('bash', { command: 'exec 3<>/dev/tcp/10.0.0.1/80' }))).toMatch(/Network is unreachable/);
    expect(err(await f.call('bash', { command: 'curl -sS --max-time 3 https://registry.npmjs.org/' }))).toMatch(
      /resolve|connect/i,
    );
  });

  it('an environment with unrestricted networking still gets no network without an egress proxy', async () => {
    const open = newSession({ type: 'cloud', networking: { type: 'unrestricted' } });
    expect(err(await f.call('bash', { command: `exec 3<>/dev/tcp/127.0.0.1/${port}` }, { session: open }))).toMatch(
      /Connection refused/,
    );
    expect(connections).toBe(0);
  });
});
