import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionHandsContext } from '../../core/hands.js';
import { type EgressFixture, egressFixture, limited } from '../../../test/egress/egressFixture.js';
import { err, type HandsFixture, handsFixture, NO_NETWORK, newSession, ok } from '../../../test/escape/handsFixture.js';
import type { WebSearchProvider } from './web.js';

const PAGE = `<!doctype html><html><head><title>Docs &amp; more</title>
<style>body { color: red }</style><script>var secret = "not for the model";</script></head>
<body><h1>Getting started</h1><p>Install it, then read the <a href="/guide">guide</a>.</p>
<ul><li>fast</li><li>small</li></ul></body></html>`;

/** One loopback server behind every test name; it counts requests per Host. */
let site: Server;
let port = 0;
const hits = new Map<string, number>();
const hitsOn = (host: string) => hits.get(host) ?? 0;

function route(req: IncomingMessage, res: ServerResponse): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  hits.set(host, hitsOn(host) + 1);
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  switch (url.pathname) {
    case '/page':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    case '/latin1':
      res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' }).end(Buffer.from('café crème', 'latin1'));
      return;
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"items":[1,2]}');
      return;
    case '/long':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('lorem ipsum '.repeat(5000));
      return;
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1><p>try /page</p>');
      return;
    case '/image':
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
      return;
    case '/redirect':
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/page' }).end();
      return;
    case '/hang':
      return; // never answers
    default:
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${host}`);
  }
}

const webFetchConfig = (config: Record<string, unknown>): Pick<SessionHandsContext, 'agentTools'> =>
  ({
    agentTools: [
      {
        type: 'agent_toolset_20260401',
        default_config: { enabled: true, permission_policy: { type: 'always_allow' } },
        configs: [{ name: 'web_fetch', type: 'web_fetch', enabled: true, url_sources: null, ...config }],
      },
    ],
  }) as Pick<SessionHandsContext, 'agentTools'>;

let f: EgressFixture;
const url = (host: string, path: string) => `http://${host}:${port}${path}`;
const workspaceOf = (session: SessionHandsContext) => join(f.dataDir, 'hands', session.sessionId, 'workspace');

beforeAll(async () => {
  site = createServer(route);
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  port = (site.address() as AddressInfo).port;
  f = egressFixture();
});
afterAll(async () => {
  await f?.close();
  site?.closeAllConnections();
  site?.close();
});

describe('web_fetch through the egress proxy', () => {
  it('fetches an allowed host from inside the sandbox and returns the page as readable text', async () => {
    const session = f.session(limited(['api.allowed.test']));
    const out = ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/page') }));
    expect(out).toBe(
      [
        `URL: ${url('api.allowed.test', '/page')}`,
        'Title: Docs & more',
        'Content-Type: text/html; charset=utf-8',
        '',
        '# Getting started',
        '',
        `Install it, then read the [guide](${url('api.allowed.test', '/guide')}).`,
        '',
        '- fast',
        '- small',
      ].join('\n'),
    );
    expect(out).not.toMatch(/secret|color/);
    // It went through the proxy, which logged it under the session.
    expect(
      f.logs.some(
        (e) => e.host === 'api.allowed.test' && e.decision === 'allowed' && e.sessionId === session.sessionId,
      ),
    ).toBe(true);
  });

  it('returns text as is, decoded with its charset, and follows redirects', async () => {
    const session = f.session(limited(['api.allowed.test']));
    expect(ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/latin1') }))).toContain('café crème');
    expect(ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/json') }))).toContain(
      '{"ok":true,"items":[1,2]}',
    );
    const redirected = ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/redirect?to=/page') }));
    expect(redirected).toContain(`URL: ${url('api.allowed.test', '/page')}`);
    expect(redirected).toContain('# Getting started');
  });

  it('a host outside allowed_hosts is refused by the proxy, and the result says why (http and https)', async () => {
    const session = f.session(limited(['api.allowed.test']));
    const before = hitsOn('blocked.test');
    const plain = err(await f.call(session, 'web_fetch', { url: url('blocked.test', '/page') }));
    expect(plain).toContain(`web_fetch: the egress proxy refused ${url('blocked.test', '/page')}`);
    expect(plain).toContain('[egress denied: blocked.test is not in allowed_hosts]');
    const tls = err(await f.call(session, 'web_fetch', { url: `https://blocked.test:${port}/page` }));
    expect(tls).toContain(
      `web_fetch: could not fetch https://blocked.test:${port}/page: the egress proxy refused the connection`,
    );
    expect(tls).toContain('[egress denied: blocked.test is not in allowed_hosts]');
    expect(hitsOn('blocked.test')).toBe(before);
  });

  it("applies the agent's blocked_domains before fetching, and to every redirect", async () => {
    const networking = limited(['api.allowed.test', 'blocked.test', 'anything.test']);
    const session = { ...f.session(networking), ...webFetchConfig({ blocked_domains: ['blocked.test'] }) };
    const before = hitsOn('blocked.test');
    expect(err(await f.call(session, 'web_fetch', { url: url('blocked.test', '/page') }))).toBe(
      "web_fetch: blocked.test is blocked by this agent's web_fetch blocked_domains (rule: blocked.test); nothing was fetched",
    );
    expect(err(await f.call(session, 'web_fetch', { url: url('Deep.Sub.BLOCKED.test', '/') }))).toMatch(
      /deep\.sub\.blocked\.test is blocked .* \(rule: blocked\.test\)/,
    );
    // nothing was provisioned for a refusal by rule
    expect(existsSync(workspaceOf(session))).toBe(false);
    const hop = url('api.allowed.test', `/redirect?to=${encodeURIComponent(url('blocked.test', '/page'))}`);
    expect(err(await f.call(session, 'web_fetch', { url: hop }))).toMatch(
      /blocked\.test is blocked .* blocked_domains/,
    );
    expect(hitsOn('blocked.test')).toBe(before);
    // other hosts, and redirects between them, still work
    const fine = url('api.allowed.test', `/redirect?to=${encodeURIComponent(url('anything.test', '/x'))}`);
    expect(ok(await f.call(session, 'web_fetch', { url: fine }))).toContain('hello from anything.test');
  });

  it("applies the agent's allowed_domains (subdomains included)", async () => {
    const session = {
      ...f.session(limited(['api.allowed.test', 'anything.test'])),
      ...webFetchConfig({ allowed_domains: ['allowed.test'] }),
    };
    expect(ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/') }))).toContain(
      'hello from api.allowed.test',
    );
    expect(err(await f.call(session, 'web_fetch', { url: url('anything.test', '/') }))).toBe(
      "web_fetch: anything.test is not in this agent's web_fetch allowed_domains (allowed.test); nothing was fetched",
    );
  });

  it('cuts the text to max_content_tokens and says so', async () => {
    const session = { ...f.session(limited(['api.allowed.test'])), ...webFetchConfig({ max_content_tokens: 10 }) };
    const out = ok(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/long') }));
    const body = out.split('\n\n')[1] ?? '';
    expect(body.length).toBeLessThanOrEqual(40);
    expect(body).toMatch(/^lorem ipsum/);
    expect(out).toContain('[content truncated to max_content_tokens=10 (≈40 characters) of ≈15000 tokens]');
  });

  it('an error status is an error result with the page text; binary content is refused', async () => {
    const session = f.session(limited(['api.allowed.test']));
    expect(err(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/missing') }))).toBe(
      `web_fetch: ${url('api.allowed.test', '/missing')} answered HTTP 404\n\n# Not here\n\ntry /page`,
    );
    expect(err(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/image') }))).toBe(
      `web_fetch: ${url('api.allowed.test', '/image')} is image/png, which web_fetch cannot return as text; ` +
        'use bash (curl -o) to download it into the workspace',
    );
  });

  it('an interrupted fetch stops and says so', async () => {
    const session = f.session(limited(['api.allowed.test']));
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('The user interrupted this tool call.')), 500);
    const started = Date.now();
    const result = await f.hands.execute(
      session,
      `sevt_abort_${Date.now()}`,
      'web_fetch',
      { url: url('api.allowed.test', '/hang') },
      abort.signal,
    );
    expect(err(result)).toBe('web_fetch: The user interrupted this tool call.');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an environment with no network gets a clear error, and nothing is provisioned', async () => {
    const session = f.session({ type: 'limited' });
    expect(err(await f.call(session, 'web_fetch', { url: url('api.allowed.test', '/') }))).toBe(
      'web_fetch: no network access in this environment (its networking is limited and allows no hosts); ' +
        "allow the host in the environment's networking.allowed_hosts",
    );
    expect(existsSync(workspaceOf(session))).toBe(false);
  });

  it('checks its input', async () => {
    const session = f.session(limited(['api.allowed.test']));
    expect(err(await f.call(session, 'web_fetch', {}))).toBe('web_fetch: url is required');
    expect(err(await f.call(session, 'web_fetch', { url: 42 }))).toBe('web_fetch: url must be a string');
    expect(err(await f.call(session, 'web_fetch', { url: 'file:///etc/passwd' }))).toBe(
      'web_fetch: only http and https URLs can be fetched, not file',
    );
  });
});

describe('web tools without an egress proxy or a search provider', () => {
  let h: HandsFixture;
  beforeAll(() => {
    h = handsFixture({ backend: 'bubblewrap' });
  });
  afterAll(() => h?.close());

  it('web_fetch says the sandbox has no network when no proxy is attached', async () => {
    const open = newSession({ type: 'cloud', networking: { type: 'unrestricted' } });
    expect(err(await h.call('web_fetch', { url: 'https://example.com' }, { session: open }))).toBe(
      'web_fetch: no network access in this environment (this sandbox has no egress proxy attached); ' +
        "the environment's networking must allow the host",
    );
  });

  it('web_search is disabled and provisions nothing', async () => {
    const session = newSession(NO_NETWORK);
    expect(err(await h.call('web_search', { query: 'bosun' }, { session }))).toBe(
      'web_search is disabled: no search provider configured',
    );
    expect(existsSync(join(h.dataDir, 'hands', session.sessionId, 'workspace'))).toBe(false);
  });

  it('an unknown tool is an error result', async () => {
    expect(err(await h.call('teleport', {}))).toBe('teleport: no such tool in this environment');
  });
});

describe('web_search with a provider', () => {
  const requests: Array<{ query: string; allowedDomains: string[] | null }> = [];
  const provider: WebSearchProvider = {
    name: 'stub',
    search: async ({ query, allowedDomains }) => {
      requests.push({ query, allowedDomains });
      if (query === 'explode') throw new Error('quota exceeded');
      return [
        { url: 'https://docs.example.com/start', title: 'Start', snippet: 'How to\n start.', pageAge: '2 days ago' },
        { url: 'https://spam.example.net/', title: 'Spam' },
        { url: 'javascript:alert(1)', title: 'Bad' },
      ];
    },
  };
  let h: HandsFixture;
  beforeAll(() => {
    h = handsFixture({ backend: 'bubblewrap', webSearch: provider });
  });
  afterAll(() => h?.close());

  it('formats the results and filters them with the agent’s domain rules', async () => {
    const session = {
      ...newSession(NO_NETWORK),
      agentTools: [
        {
          type: 'agent_toolset_20260401',
          default_config: { enabled: true, permission_policy: { type: 'always_allow' } },
          configs: [{ name: 'web_search', type: 'web_search', allowed_domains: ['example.com'] }],
        },
      ],
    } as SessionHandsContext;
    expect(ok(await h.call('web_search', { query: 'bosun docs' }, { session }))).toBe(
      '1. Start\n   https://docs.example.com/start\n   (2 days ago)\n   How to start.',
    );
    expect(requests.at(-1)).toEqual({ query: 'bosun docs', allowedDomains: ['example.com'] });
    expect(ok(await h.call('web_search', { query: 'anything' }))).toContain('2. Spam');
  });

  it('a failing provider is an error result naming it', async () => {
    expect(err(await h.call('web_search', { query: 'explode' }))).toBe(
      'web_search: the search provider (stub) failed: quota exceeded',
    );
    expect(err(await h.call('web_search', {}))).toBe('web_search: query is required');
  });
});
