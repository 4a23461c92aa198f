import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  err,
  type HandsFixture,
  handsFixture,
  newSession,
  ok,
  requireBubblewrap,
  text,
} from '../../test/escape/handsFixture.js';
import { allowsEgress, type EgressProxy, networkPolicy } from './egress.js';

describe('networkPolicy', () => {
  it('reads the stored environment config', () => {
    expect(networkPolicy({ type: 'cloud', networking: { type: 'unrestricted' } })).toEqual({ type: 'unrestricted' });
    expect(networkPolicy({ type: 'cloud' })).toEqual({ type: 'unrestricted' });
    expect(networkPolicy({ type: 'self_hosted' })).toMatchObject({ type: 'limited', allowedHosts: [] });
    const limited = networkPolicy({
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['api.example.com'],
        allow_package_managers: true,
        allow_mcp_servers: false,
      },
    });
    expect(limited).toEqual({
      type: 'limited',
      allowedHosts: ['api.example.com'],
      allowPackageManagers: true,
      allowMcpServers: false,
    });
    expect(allowsEgress(limited)).toBe(true);
    expect(allowsEgress(networkPolicy({ type: 'cloud', networking: { type: 'limited', allowed_hosts: [] } }))).toBe(
      false,
    );
  });
});

describe('the egress hook on bubblewrap', () => {
  const socketDir = mkdtempSync(join(tmpdir(), 'bosun-egress-'));
  chmodSync(socketDir, 0o755);
  writeFileSync(join(socketDir, 'proxy.sock.placeholder'), 'x');
  const calls: string[] = [];
  let denials = ['egress denied: blocked.test is not in allowed_hosts'];
  const egress: EgressProxy = {
    attach: async (session, policy) => {
      calls.push(`attach ${session.sessionId} ${policy.type}`);
      return {
        socketDir,
        env: { HTTP_PROXY: 'http://127.0.0.1:3128' },
        bridge: 'echo bridged > /tmp/bridge-ran',
        drainDenials: () => denials.splice(0),
        detach: async () => void calls.push(`detach ${session.sessionId}`),
      };
    },
  };
  let f: HandsFixture;
  beforeAll(() => {
    requireBubblewrap();
    f = handsFixture({ egress });
  });
  afterAll(async () => {
    await f?.close();
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('attaches for an environment that allows hosts: socket dir read-only at /run/bosun, proxy env, bridge started', async () => {
    const session = newSession({ type: 'cloud', networking: { type: 'limited', allowed_hosts: ['api.example.com'] } });
    const result = await f.call(
      'bash',
      { command: 'sleep 0.2; ls /run/bosun; echo $HTTP_PROXY; cat /tmp/bridge-ran' },
      { session },
    );
    expect(text(result)).toBe(
      'proxy.sock.placeholder\nhttp://127.0.0.1:3128\nbridged[egress denied: blocked.test is not in allowed_hosts]',
    );
    expect(err(await f.call('bash', { command: 'touch /run/bosun/x' }, { session }))).toMatch(/Read-only file system/);
    expect(calls).toEqual([`attach ${session.sessionId} limited`]);
    await f.hands.destroy(session.sessionId);
    expect(calls).toEqual([`attach ${session.sessionId} limited`, `detach ${session.sessionId}`]);
  });

  it('does not attach when nothing is allowed', async () => {
    denials = [];
    ok(await f.call('bash', { command: 'test ! -e /run/bosun' }));
    expect(calls.filter((c) => c.includes(f.session.sessionId))).toEqual([]);
  });
});
