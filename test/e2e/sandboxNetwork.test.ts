import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../src/models/scripted/scriptedModelServer.js';
import { FAST_LIMITS, startTestBosun, type TestBosun } from '../helpers/bosun.js';

type Model = Awaited<ReturnType<typeof startScriptedModel>>;
let model: Model;
let bosun: TestBosun;
let client: Anthropic;
let service: Server;
let port: number;

beforeAll(async () => {
  service = createServer((req, res) => res.end(`hello from ${req.headers.host}`));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  port = (service.address() as AddressInfo).port;
  model = await startScriptedModel({});
  bosun = await startTestBosun({
    modelUrl: model.url,
    limits: FAST_LIMITS,
    // Both names point at the local service; only the allow-list decides which one the sandbox reaches.
    egressHosts: { 'api.allowed.test': '127.0.0.1', 'api.denied.test': '127.0.0.1' },
  });
  client = bosun.client;
}, 120_000);
afterAll(async () => {
  await bosun.close();
  await model.close();
  service.close();
});

async function runBash(
  environmentConfig: Anthropic.Beta.Environments.EnvironmentCreateParams['config'],
  commands: string[],
) {
  const agent = await client.beta.agents.create({
    name: 'net',
    model: 'claude-sonnet-4-6',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const environment = await client.beta.environments.create({ name: 'net', config: environmentConfig });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  model.enqueue(
    ...commands.map((command) => ({ content: [{ type: 'tool_use' as const, name: 'bash', input: { command } }] })),
    {
      content: [{ type: 'text', text: 'done' }],
    },
  );
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'go' }] }],
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const events: BetaManagedAgentsSessionEvent[] = [];
    for await (const event of client.beta.sessions.events.list(session.id, { limit: 100 })) events.push(event);
    const last = events[events.length - 1];
    if (last?.type === 'session.status_idle') {
      return events
        .filter(
          (e): e is Anthropic.Beta.Sessions.BetaManagedAgentsAgentToolResultEvent => e.type === 'agent.tool_result',
        )
        .map((e) => JSON.stringify(e.content));
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('hands through the official SDK: the network boundary and environment packages', () => {
  it('reaches an allowed host through the proxy, is refused (and told why) elsewhere, and cannot go direct', async () => {
    const [allowed, denied, direct] = await runBash(
      { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['api.allowed.test'] } },
      [
        `curl -sS http://api.allowed.test:${port}/`,
        `curl -sS http://api.denied.test:${port}/ ; echo exit=$?`,
        `curl -sS --noproxy '*' --max-time 3 http://127.0.0.1:${port}/ ; echo exit=$?`,
      ],
    );
    expect(allowed).toContain(`hello from api.allowed.test:${port}`);
    expect(denied).toContain('api.denied.test is not in allowed_hosts');
    expect(denied).not.toContain('hello from');
    expect(direct).not.toContain('hello from');
    expect(direct).toMatch(/exit=[1-9]/);
  });

  it('has no network at all with limited networking and nothing allowed', async () => {
    const [out] = await runBash({ type: 'cloud', networking: { type: 'limited' } }, [
      `curl -sS --max-time 3 http://api.allowed.test:${port}/ ; echo exit=$?; env | grep -ci proxy`,
    ]);
    expect(out).not.toContain('hello from');
    expect(out).toMatch(/exit=[1-9]/);
  });

  it('installs the environment npm packages once and runs them in the sandbox', async () => {
    const config = {
      type: 'cloud' as const,
      networking: { type: 'limited' as const, allow_package_managers: true },
      packages: { npm: ['is-number@7.0.0'] },
    };
    const [out] = await runBash(config, [`node -e "console.log('is-number:', require('is-number')(42))"`]);
    expect(out).toContain('is-number: true');
  }, 120_000);
});
