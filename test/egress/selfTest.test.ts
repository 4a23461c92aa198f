import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hands, SessionHandsContext } from '../../src/core/hands.js';
import { createHands } from '../../src/hands/createHands.js';
import type { EgressProxyServer } from '../../src/vault/egress/egressProxy.js';
import {
  gateUntrustedTools,
  readSelfTestReport,
  runEgressSelfTest,
  selfTestCheck,
  writeSelfTestReport,
} from '../../src/vault/egress/selfTest.js';
import { err, ok } from '../escape/handsFixture.js';
import { type EgressFixture, egressFixture } from './egressFixture.js';

/** The startup self-test on real sandboxes: it passes here, and it catches each way egress can leak. */
let f: EgressFixture;
beforeAll(() => {
  f = egressFixture();
});
afterAll(() => f?.close());

const session = (): SessionHandsContext => ({
  sessionId: `sesn_gate_${Math.random().toString(36).slice(2)}`,
  environmentId: 'env_gate',
  environmentConfig: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [] } },
});
const run = (hands: Hands, s: SessionHandsContext, name: string, input: unknown) =>
  hands.execute(s, `sevt_${Math.random().toString(36).slice(2)}`, name, input, new AbortController().signal);

describe('the egress self-test', () => {
  it('passes on bubblewrap behind the proxy: direct and denied connections fail, an allowed one works', async () => {
    const result = await runEgressSelfTest({ hands: f.hands, proxy: f.proxy });
    expect(result).toMatchObject({ ok: true, ran: true, egressWorks: true });
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['direct', true],
      ['denied-host', true],
      ['denied-tunnel', true],
      ['loopback-via-proxy', true],
      ['allowed-host', true],
    ]);
    expect(result.checks.find((c) => c.name === 'denied-tunnel')?.detail).toBe(
      'HTTP/1.1 403 egress denied: denied.egress-selftest.invalid is not in allowed_hosts',
    );
    expect(selfTestCheck(result)).toMatchObject({ name: 'egress', ok: true });
    // it cleans up after itself: no sandbox, socket or workspace left
    expect(f.proxy.attached).toBe(0);
    const report = join(f.dataDir, 'egress', 'selftest.json');
    writeSelfTestReport(report, result);
    expect(readSelfTestReport(report)).toEqual(result);
  });

  it('fails when a sandbox can connect directly (the unsandboxed local backend), and untrusted tools are refused', async () => {
    const local = createHands({
      dataDir: f.dataDir,
      backend: 'local',
      allowUnsandboxed: true,
      egress: f.proxy,
      logger: { warn: () => {} },
    });
    try {
      const result = await runEgressSelfTest({ hands: local, proxy: f.proxy });
      expect(result.ok).toBe(false);
      expect(result.checks.find((c) => c.name === 'direct')).toMatchObject({ ok: false });
      expect(result.checks.find((c) => c.name === 'direct')?.detail).toMatch(
        /^direct connection OPENED; the canary saw \d+ connection/,
      );
      expect(selfTestCheck(result)).toMatchObject({
        ok: false,
        detail: expect.stringContaining('bash and web_fetch are refused'),
      });

      const gated = gateUntrustedTools(local, Promise.resolve(result));
      const s = session();
      expect(err(await run(gated, s, 'bash', { command: 'echo should-not-run' }))).toMatch(
        /^bash is refused on this server: the egress self-test at startup failed \(something got through: direct/,
      );
      ok(await run(gated, s, 'write', { file_path: 'note.txt', content: 'file tools still work' }));
      expect(ok(await run(gated, s, 'read', { file_path: 'note.txt' }))).toBe('file tools still work');
      await local.destroy(s.sessionId, { purge: true });
    } finally {
      await local.close();
    }
  }, 60_000);

  it('fails when the proxy lets a denied host through (an allow-list bug)', async () => {
    const leaky: Pick<EgressProxyServer, 'attach' | 'overrideHosts'> = {
      attach: (s) => f.proxy.attach(s, { type: 'unrestricted' }),
      overrideHosts: (id, hosts) => f.proxy.overrideHosts(id, hosts),
    };
    const hands = createHands({ dataDir: f.dataDir, egress: leaky, logger: { warn: () => {} } });
    try {
      const result = await runEgressSelfTest({ hands, proxy: leaky });
      expect(result.ok).toBe(false);
      expect(result.summary).toBe('something got through: direct, denied-host, denied-tunnel, loopback-via-proxy');
      expect(result.checks.find((c) => c.name === 'denied-host')?.detail).toBe('HTTP/1.1 200 OK');
      // the direct check failed only because the canary saw the leaked requests
      expect(result.checks.find((c) => c.name === 'direct')?.detail).toMatch(
        /^direct connection refused; the canary saw/,
      );
    } finally {
      await hands.close();
    }
  });

  it('fails closed but reports egress as broken when the bridge does not start (no socat)', async () => {
    const bridgeless: Pick<EgressProxyServer, 'attach' | 'overrideHosts'> = {
      attach: async (s, p) => ({ ...(await f.proxy.attach(s, p)), bridge: 'exit 0' }),
      overrideHosts: (id, hosts) => f.proxy.overrideHosts(id, hosts),
    };
    const hands = createHands({ dataDir: f.dataDir, egress: bridgeless, logger: { warn: () => {} } });
    try {
      const result = await runEgressSelfTest({ hands, proxy: bridgeless });
      expect(result).toMatchObject({ ok: true, egressWorks: false });
      expect(selfTestCheck(result)).toMatchObject({ ok: 'degraded', hint: expect.stringContaining('install socat') });
    } finally {
      await hands.close();
    }
  }, 60_000);

  it('untrusted tools wait for a self-test that is still running, then run', async () => {
    let finish: (value: Awaited<ReturnType<typeof runEgressSelfTest>>) => void = () => {};
    const pending = new Promise<Awaited<ReturnType<typeof runEgressSelfTest>>>((resolve) => (finish = resolve));
    const gated = gateUntrustedTools(f.hands, pending);
    const s = session();
    let settled = false;
    const call = run(gated, s, 'bash', { command: 'echo ran' }).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    finish({ ok: true, ran: true, egressWorks: true, checks: [], summary: 'ok', at: '', durationMs: 0 });
    expect(ok(await call)).toBe('ran');
    await f.hands.destroy(s.sessionId, { purge: true });
  });
});
