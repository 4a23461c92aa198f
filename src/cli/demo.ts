import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startDemoModel } from '../models/scripted/demoScript.js';
import { resolveConfig } from '../server/config.js';
import { startServer } from '../server/server.js';

/**
 * A whole session, offline: a scripted stand-in model (no API key needed), a real Bosun server
 * with its sandbox, and the official SDK as the client, printing the events as they stream.
 */
export async function runDemo(options: { message: string; sandbox: 'bubblewrap' | 'local' }): Promise<number> {
  const model = await startDemoModel();
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-demo-'));
  const config = resolveConfig({ port: 0, dataDir }, {});
  const server = await startServer({
    ...config,
    logLevel: 'error',
    sandbox: options.sandbox,
    modelEnv: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'demo' },
  });
  try {
    const client = new Anthropic({ baseURL: server.url, apiKey: server.apiKey });
    const agent = await client.beta.agents.create({
      name: 'demo',
      model: 'claude-sonnet-4-6',
      system: 'You are a helpful agent.',
      tools: [{ type: 'agent_toolset_20260401' }],
    });
    const environment = await client.beta.environments.create({ name: 'demo' });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    print(`bosun demo: server ${server.url}, session ${session.id}, sandbox ${options.sandbox}`);
    const stream = await client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.message'] });
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: options.message }] }],
    });
    print(`\nuser      ${options.message}`);
    let streaming = false;
    for await (const event of stream) {
      if (event.type === 'event_delta') {
        if (!streaming) process.stdout.write('agent     ');
        streaming = true;
        process.stdout.write(event.delta.content.text);
        continue;
      }
      if (streaming && event.type === 'agent.message') {
        process.stdout.write('\n');
        streaming = false;
        continue;
      }
      const line = describe(event);
      if (line) print(line);
      if (event.type === 'session.status_idle' && event.stop_reason.type !== 'requires_action') break;
    }
    const done = await client.beta.sessions.retrieve(session.id);
    print(
      `\nsession ${done.status}: ${done.usage.input_tokens ?? 0} input and ${done.usage.output_tokens ?? 0} output tokens`,
    );
    return 0;
  } finally {
    await server.close();
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describe(event: Anthropic.Beta.Sessions.BetaManagedAgentsStreamSessionEvents): string | null {
  switch (event.type) {
    case 'session.status_running':
      return 'status    running';
    case 'session.status_idle':
      return `status    idle (${event.stop_reason.type})`;
    case 'agent.message':
      return `agent     ${event.content.map((block) => ('text' in block ? block.text : '')).join('')}`;
    case 'agent.tool_use':
      return `tool      ${event.name} ${JSON.stringify(event.input)}`;
    case 'agent.tool_result':
      return `result    ${(event.content ?? [])
        .map((block) => ('text' in block ? block.text : ''))
        .join('')
        .trim()}`;
    case 'session.error':
      return `error     ${event.error.type}: ${event.error.message}`;
    default:
      return null;
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);
