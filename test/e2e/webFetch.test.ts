import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
type ToolResultEvent = Anthropic.Beta.Sessions.BetaManagedAgentsAgentToolResultEvent;
let model: Model;
let bosun: TestBosun;
let client: Anthropic;
let service: Server;
let port: number;
const hits = new Map<string, number>();

beforeAll(async () => {
  service = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    hits.set(host, (hits.get(host) ?? 0) + 1);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<html><head><title>Status</title><script>var hidden = 1;</script></head>` +
        `<body><h1>All systems normal</h1><p>Served to ${host}.</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  port = (service.address() as AddressInfo).port;
  model = await startScriptedModel({});
  bosun = await startTestBosun({
    modelUrl: model.url,
    limits: FAST_LIMITS,
    // Every name points at the local service; only the allow-lists decide which ones are fetched.
    egressHosts: { 'api.allowed.test': '127.0.0.1', 'api.denied.test': '127.0.0.1', 'ads.allowed.test': '127.0.0.1' },
  });
  client = bosun.client;
}, 120_000);
afterAll(async () => {
  await bosun.close();
  await model.close();
  service.close();
});

/** One session that makes `urls.length` web_fetch calls, in order; returns their results. */
async function webFetch(
  environmentConfig: Anthropic.Beta.Environments.EnvironmentCreateParams['config'],
  urls: string[],
  webFetchConfig: Omit<Anthropic.Beta.Agents.BetaManagedAgentsWebFetchToolConfigParams, 'name'> = {},
): Promise<Array<{ text: string; isError: boolean }>> {
  const agent = await client.beta.agents.create({
    name: 'fetcher',
    model: 'claude-sonnet-4-6',
    tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'web_fetch', ...webFetchConfig }] }],
  });
  const environment = await client.beta.environments.create({ name: 'fetch', config: environmentConfig });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  model.enqueue(
    ...urls.map((url) => ({ content: [{ type: 'tool_use' as const, name: 'web_fetch', input: { url } }] })),
    { content: [{ type: 'text', text: 'done' }] },
  );
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'fetch' }] }],
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const events: BetaManagedAgentsSessionEvent[] = [];
    for await (const event of client.beta.sessions.events.list(session.id, { limit: 100 })) events.push(event);
    if (events[events.length - 1]?.type === 'session.status_idle') {
      return events
        .filter((e): e is ToolResultEvent => e.type === 'agent.tool_result')
        .map((e) => ({
          text: (e.content ?? []).map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n'),
          isError: e.is_error === true,
        }));
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('web_fetch through the official SDK', () => {
  it('fetches an allowed host through the egress proxy and returns the page as text; a denied host is explained', async () => {
    const [allowed, denied] = await webFetch(
      { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['api.allowed.test'] } },
      [`http://api.allowed.test:${port}/status`, `http://api.denied.test:${port}/status`],
    );
    expect(allowed?.isError).toBe(false);
    expect(allowed?.text).toContain('Title: Status');
    expect(allowed?.text).toContain('# All systems normal');
    expect(allowed?.text).toContain('Served to api.allowed.test.');
    expect(allowed?.text).not.toContain('hidden');
    expect(denied?.isError).toBe(true);
    expect(denied?.text).toContain('web_fetch: the egress proxy refused');
    expect(denied?.text).toContain('[egress denied: api.denied.test is not in allowed_hosts]');
    expect(hits.get('api.denied.test') ?? 0).toBe(0);
  });

  it("refuses a host in the agent's blocked_domains before anything is fetched", async () => {
    const [blocked, other] = await webFetch(
      {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['api.allowed.test', 'ads.allowed.test'] },
      },
      [`http://ads.allowed.test:${port}/`, `http://api.allowed.test:${port}/`],
      { blocked_domains: ['ads.allowed.test'] },
    );
    expect(blocked).toEqual({
      isError: true,
      text: "web_fetch: ads.allowed.test is blocked by this agent's web_fetch blocked_domains (rule: ads.allowed.test); nothing was fetched",
    });
    expect(hits.get('ads.allowed.test') ?? 0).toBe(0);
    expect(other?.isError).toBe(false);
    expect(other?.text).toContain('Served to api.allowed.test.');
  });

  it('says clearly that an environment without network access cannot fetch', async () => {
    const [result] = await webFetch({ type: 'cloud', networking: { type: 'limited' } }, [
      `http://api.allowed.test:${port}/`,
    ]);
    expect(result).toEqual({
      isError: true,
      text:
        'web_fetch: no network access in this environment (its networking is limited and allows no hosts); ' +
        "allow the host in the environment's networking.allowed_hosts",
    });
  });
});
