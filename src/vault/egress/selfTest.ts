import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import type { Hands, SessionHandsContext, ToolResult } from '../../core/hands.js';
import type { EgressProxyServer } from './egressProxy.js';
import { BRIDGE_PORT } from './types.js';

export interface SelfTestCheck {
  name: 'direct' | 'denied-host' | 'denied-tunnel' | 'loopback-via-proxy' | 'allowed-host';
  ok: boolean;
  detail: string;
}

export interface EgressSelfTest {
  /** Nothing got through: a direct connection and connections to denied hosts all failed. */
  ok: boolean;
  /** The sandbox ran at all (false: bubblewrap missing or broken; `ok` is then false too). */
  ran: boolean;
  /** An allowed host was reachable through the proxy (false: no socat in the sandbox, say). */
  egressWorks: boolean;
  checks: SelfTestCheck[];
  summary: string;
  at: string;
  durationMs: number;
}

/** Tools that run arbitrary code or reach the network: refused when the self-test fails. */
export const UNTRUSTED_TOOLS: readonly string[] = ['bash', 'web_fetch'];

const ALLOWED = 'allowed.egress-selftest.invalid';
const DENIED = 'denied.egress-selftest.invalid';

/**
 * Proves, with a real sandbox, that egress fails closed: from inside, a direct TCP connection to a
 * host loopback listener (the canary), a request and a tunnel to a host the allow-list does not
 * name (resolved to the canary, so a policy bug would reach it) and a request to the canary's
 * loopback address through the proxy must all fail, and the canary must see no connection. A
 * request to an allowed host is the control: when it fails, egress is closed but not working.
 */
export async function runEgressSelfTest(deps: {
  hands: Hands;
  proxy: Pick<EgressProxyServer, 'overrideHosts'>;
  timeoutMs?: number;
}): Promise<EgressSelfTest> {
  const started = Date.now();
  let canaryConnections = 0;
  const canary = createServer((socket) => {
    canaryConnections++;
    socket.on('error', () => {});
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nleaked');
  });
  const target = createHttpServer((_req, res) => res.end('bosun-egress-selftest'));
  const session: SessionHandsContext = {
    sessionId: `sesn_egress_selftest_${randomBytes(6).toString('hex')}`,
    environmentId: 'env_egress_selftest',
    environmentConfig: {
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: [ALLOWED, '127.0.0.1'],
        allow_package_managers: false,
        allow_mcp_servers: false,
      },
    },
  };
  const undo = deps.proxy.overrideHosts(session.sessionId, { [ALLOWED]: '127.0.0.1', [DENIED]: '127.0.0.1' });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs ?? 30_000);
  try {
    const canaryPort = await listen(canary);
    const targetPort = await listen(target);
    const result = await deps.hands.execute(
      session,
      `sevt_egress_selftest_${randomBytes(6).toString('hex')}`,
      'bash',
      { command: probeScript(canaryPort, targetPort), timeout_ms: 20_000 },
      controller.signal,
    );
    return evaluate(result, canaryConnections, started);
  } catch (error) {
    return notRun(`the self-test sandbox failed: ${error instanceof Error ? error.message : String(error)}`, started);
  } finally {
    clearTimeout(timer);
    undo();
    await deps.hands.destroy(session.sessionId, { purge: true }).catch(() => {});
    canary.close();
    target.close();
  }
}

/**
 * Wraps hands so that untrusted tools wait for the self-test (fail closed while it runs) and are
 * refused with an explanation when it failed. Other tools and members pass through.
 */
export function gateUntrustedTools<H extends Hands>(
  hands: H,
  selfTest: Promise<EgressSelfTest>,
  tools = UNTRUSTED_TOOLS,
): H {
  const verdict = selfTest.catch((error: unknown) => notRun(`the self-test crashed: ${String(error)}`, Date.now()));
  return {
    ...hands,
    execute: async (session, toolUseId, name, input, signal) => {
      if (!tools.includes(name)) return hands.execute(session, toolUseId, name, input, signal);
      const result = await verdict;
      if (!result.ok) {
        return {
          isError: true,
          content: [
            {
              type: 'text',
              text:
                `${name} is refused on this server: the egress self-test at startup failed (${result.summary}), ` +
                'so sandboxes may not be confined to the egress proxy. The server operator can run `bosun doctor`.',
            },
          ],
        };
      }
      return hands.execute(session, toolUseId, name, input, signal);
    },
  };
}

/** What `bosun doctor` prints for the self-test (its `Check` shape). */
export function selfTestCheck(result: EgressSelfTest): {
  name: string;
  ok: boolean | 'degraded';
  detail: string;
  hint?: string;
} {
  if (!result.ok) {
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return {
      name: 'egress',
      ok: false,
      detail: `${result.summary}${failed.length ? ` (${failed.join('; ')})` : ''}; bash and web_fetch are refused`,
      hint: result.ran
        ? 'sandboxes reached the network outside the egress proxy: check the namespaces line above and that the hands backend is bubblewrap'
        : 'fix the sandbox first (see the bubblewrap lines above)',
    };
  }
  if (!result.egressWorks) {
    const control = result.checks.find((c) => c.name === 'allowed-host');
    return {
      name: 'egress',
      ok: 'degraded',
      detail: `fails closed, but allowed hosts are unreachable: ${control?.detail ?? 'unknown'}`,
      hint: 'install socat (`apt-get install -y socat`): sandboxes reach the proxy through it',
    };
  }
  return { name: 'egress', ok: true, detail: `${result.summary} (${result.durationMs} ms)` };
}

export function writeSelfTestReport(path: string, result: EgressSelfTest): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
}

export function readSelfTestReport(path: string): EgressSelfTest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EgressSelfTest;
  } catch {
    return null;
  }
}

function probeScript(canary: number, target: number): string {
  const request = (line: string, host: string) =>
    `'${line} HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n'`;
  return [
    // bash's own /dev/tcp: no curl needed, and no proxy variables consulted
    `if (exec 3<>/dev/tcp/127.0.0.1/${canary}) 2>/dev/null; then echo direct=open; else echo direct=closed; fi`,
    `for _ in {1..150}; do (: <>/dev/tcp/127.0.0.1/${BRIDGE_PORT}) 2>/dev/null && break; sleep 0.01; done`,
    'probe() { if exec 3<>/dev/tcp/127.0.0.1/' +
      BRIDGE_PORT +
      ' 2>/dev/null; then printf "$1" >&3; line=; IFS= read -r -t 5 line <&3; echo "${line%$\'\\r\'}"; exec 3<&-; else echo "no bridge"; fi; }',
    `echo "denied-host=$(probe ${request(`GET http://${DENIED}:${canary}/`, `${DENIED}:${canary}`)})"`,
    `echo "denied-tunnel=$(probe ${request(`CONNECT ${DENIED}:${canary}`, `${DENIED}:${canary}`)})"`,
    `echo "loopback-via-proxy=$(probe ${request(`GET http://127.0.0.1:${canary}/`, `127.0.0.1:${canary}`)})"`,
    `echo "allowed-host=$(probe ${request(`GET http://${ALLOWED}:${target}/`, `${ALLOWED}:${target}`)})"`,
  ].join('\n');
}

function evaluate(result: ToolResult, canaryConnections: number, started: number): EgressSelfTest {
  const text = result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
  const lines = new Map(
    text.split('\n').flatMap((line) => {
      const eq = line.indexOf('=');
      return eq > 0 ? [[line.slice(0, eq), line.slice(eq + 1)] as const] : [];
    }),
  );
  if (!lines.has('direct')) return notRun(`the self-test sandbox did not run: ${text.slice(0, 300)}`, started);
  // A missing line means the probe did not finish: nothing is proven, so it counts as a failure.
  const refused = (status: string | undefined) => status === 'no bridge' || /^HTTP\/1\.[01] 403 /.test(status ?? '');
  const leak = canaryConnections > 0 ? `; the canary saw ${canaryConnections} connection(s)` : '';
  const check = (name: SelfTestCheck['name'], ok: boolean, detail: string): SelfTestCheck => ({ name, ok, detail });
  const status = (name: string) => lines.get(name) || 'no answer';
  const checks = [
    check(
      'direct',
      lines.get('direct') === 'closed' && canaryConnections === 0,
      `direct connection ${lines.get('direct') === 'closed' ? 'refused' : 'OPENED'}${leak}`,
    ),
    check('denied-host', refused(lines.get('denied-host')) && canaryConnections === 0, status('denied-host')),
    check('denied-tunnel', refused(lines.get('denied-tunnel')) && canaryConnections === 0, status('denied-tunnel')),
    check(
      'loopback-via-proxy',
      refused(lines.get('loopback-via-proxy')) && canaryConnections === 0,
      status('loopback-via-proxy'),
    ),
  ];
  const works = /^HTTP\/1\.[01] 200 /.test(lines.get('allowed-host') ?? '');
  checks.push(check('allowed-host', works, status('allowed-host')));
  const ok = checks.filter((c) => c.name !== 'allowed-host').every((c) => c.ok);
  return {
    ok,
    ran: true,
    egressWorks: works,
    checks,
    summary: ok
      ? 'a direct connection and denied hosts were refused'
      : `something got through: ${checks
          .filter((c) => !c.ok && c.name !== 'allowed-host')
          .map((c) => c.name)
          .join(', ')}`,
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
  };
}

function notRun(summary: string, started: number): EgressSelfTest {
  return {
    ok: false,
    ran: false,
    egressWorks: false,
    checks: [],
    summary,
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
  };
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
