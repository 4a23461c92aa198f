import { it } from 'vitest';
import { startTestBosun } from '../helpers/bosun.js';
import { createSession, MODEL } from '../helpers/fixtures.js';

it('explore', async () => {
  const b = await startTestBosun();
  const s = await createSession(b.client);
  const a = s.agent.id;
  const e = s.environment_id;
  const routes: Array<[string, string]> = [
    ['POST', '/v1/agents'], ['POST', `/v1/agents/${a}`], ['POST', `/v1/agents/${a}/archive`],
    ['POST', '/v1/environments'], ['POST', `/v1/environments/${e}`], ['POST', `/v1/environments/${e}/archive`],
    ['POST', '/v1/sessions'], ['POST', `/v1/sessions/${s.id}`], ['POST', `/v1/sessions/${s.id}/events`],
  ];
  const bodies = ['null', '[]', '"x"', '1', 'true', '{"__proto__": {"x": 1}}', '{"constructor": 1}', '{"metadata": null}', '{"metadata": {"a": 1}}',
    '{"tools": [null]}', '{"tools": [{"type":"custom"}]}', '{"model": {}}', '{"model": {"id": 1}}', '{"name": null}', '{"config": 5}', '{"config": {"type": "cloud", "networking": {"type":"limited","allowed_hosts":[1]}}}',
    '{"agent": {"type":"agent_with_overrides","id":"' + a + '","tools":[{"type":"bogus"}]}, "environment_id":"' + e + '"}',
    '{"agent": {"type":"agent_with_overrides","id":"' + a + '","model":5}, "environment_id":"' + e + '"}',
    '{"agent": {"type":"agent_with_overrides","id":"' + a + '","version":0}, "environment_id":"' + e + '"}',
    '{"agent": {"tools": 5}}', '{"agent": {"nope": 1}}', '{"budget": {"type":"limit","max_list_cost":{"amount":"01","currency":"USD"}}}',
    '{"events": null}', '{"events": [null]}', '{"events": [{}]}', '{"events": [{"type":"user.message"}]}', '{"events": [{"type":"user.message","content":"hi"}]}',
    '{"events": [{"type":"user.define_outcome","description":"d","rubric":{"type":"text","content":"c"},"max_iterations":0}]}',
    '{"version": "1"}', '{"version": 1.5}', '{"metadata": {"' + 'k'.repeat(100) + '": "v"}}', '{"name": "' + 'n'.repeat(10000) + '", "model": "' + MODEL + '"}',
  ];
  for (const [method, path] of routes) {
    for (const body of bodies) {
      const r = await b.fetch(path, { method, body, headers: { 'content-type': 'application/json' } });
      if (r.status >= 500 || r.status === 200) console.log(r.status, method, path, body.slice(0, 120), (await r.text()).slice(0, 200));
    }
  }
  const gets = ['/v1/agents?limit=abc', '/v1/agents?limit=1.5', '/v1/agents?limit=-1', '/v1/agents?page=', '/v1/agents?include_archived=yes', `/v1/agents/${a}?version=abc`, `/v1/agents/${a}/versions?page=eyJrIjoiYSIsImQiOiJhIn0`,
    '/v1/sessions?order=sideways', '/v1/sessions?limit=100000000000000000000', '/v1/sessions?agent_version=1', '/v1/sessions?page=eyJrIjp7fSwiZCI6ImEifQ', `/v1/sessions/${s.id}/events?page=eyJrIjoiYSIsImQiOiJhIn0`, `/v1/sessions/${s.id}/events?created_at[gt]=bad`, '/v1/sessions?created_at%5Bgt%5D=2020-01-01T00:00:00%2B02:00',
    '/v1/agents?created_at[gte]=2020-01-01T00:00:00.123456789Z', '/v1/sessions?statuses=idle', '/v1/sessions?include_archived=1', `/v1/agents/${a}?version=99999999999999999999`, '/v1/agents/%00', '/v1/agents/' + 'x'.repeat(5000)];
  for (const path of gets) {
    const r = await b.fetch(path);
    console.log(r.status, path.slice(0, 100), (await r.text()).slice(0, 160));
  }
  await b.close();
});
