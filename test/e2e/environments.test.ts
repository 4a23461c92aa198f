import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import {
  BetaEnvironmentArchivedError,
  BetaInvalidConfigTypeChangeError,
} from '@anthropic-ai/sdk/resources/beta/environments/environments.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBosun, type TestBosun } from '../helpers/bosun.js';
import { anyString, apiError, collect, createAgent, createEnvironment } from '../helpers/fixtures.js';

let bosun: TestBosun;
beforeAll(async () => {
  bosun = await startTestBosun();
});
afterAll(() => bosun.close());

const noPackages = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

describe('environments: create and retrieve', () => {
  it('creates a cloud environment with unrestricted networking by default', async () => {
    const environment = await bosun.client.beta.environments.create({ name: 'default' });
    expect(environment.id).toMatch(/^env_[0-9a-f]{32}$/);
    expect(environment).toMatchObject({
      type: 'environment',
      name: 'default',
      description: null,
      config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: noPackages },
      metadata: {},
      scope: 'organization',
      archived_at: null,
    });
    expect(await bosun.client.beta.environments.retrieve(environment.id)).toEqual(environment);
  });

  it('creates a self_hosted environment', async () => {
    const environment = await createEnvironment(bosun.client, { config: { type: 'self_hosted' } });
    expect(environment.config).toEqual({ type: 'self_hosted' });
  });

  it('stores limited networking and packages', async () => {
    const environment = await createEnvironment(bosun.client, {
      description: 'locked down',
      metadata: { tier: 'gold' },
      config: {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['example.com'], allow_package_managers: true },
        packages: { pip: ['requests==2.32.0'], npm: ['left-pad'] },
      },
    });
    expect(environment.config).toEqual({
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['example.com'],
        allow_mcp_servers: false,
        allow_package_managers: true,
      },
      packages: { ...noPackages, pip: ['requests==2.32.0'], npm: ['left-pad'] },
    });
    expect(environment).toMatchObject({ description: 'locked down', metadata: { tier: 'gold' } });
  });

  it('rejects packages under limited networking unless allow_package_managers is true', async () => {
    for (const networking of [
      { type: 'limited' as const, allowed_hosts: ['example.com'] },
      { type: 'limited' as const, allow_package_managers: false },
    ]) {
      const error = await apiError(
        createEnvironment(bosun.client, { config: { type: 'cloud', networking, packages: { apt: ['curl'] } } }),
        BadRequestError,
      );
      expect(error.type).toBe('invalid_request_error');
      expect(error.apiMessage).toContain('allow_package_managers');
    }
    // Without packages, limited networking needs no package managers.
    await createEnvironment(bosun.client, { config: { type: 'cloud', networking: { type: 'limited' } } });
  });

  it('answers 404 for an unknown environment', async () => {
    const error = await apiError(bosun.client.beta.environments.retrieve('env_unknown'), NotFoundError);
    expect(error.type).toBe('not_found_error');
  });
});

describe('environments: update', () => {
  it('updates name, description and patches metadata (null and "" delete)', async () => {
    const environment = await createEnvironment(bosun.client, {
      description: 'first',
      metadata: { keep: 'k', nulled: 'n', emptied: 'e' },
    });
    const updated = await bosun.client.beta.environments.update(environment.id, {
      name: 'renamed',
      metadata: { nulled: null, emptied: '', added: 'a' },
    });
    expect(updated).toMatchObject({ name: 'renamed', description: 'first', metadata: { keep: 'k', added: 'a' } });
    expect(Object.keys(updated.metadata).sort()).toEqual(['added', 'keep']);
    expect(updated.created_at).toBe(environment.created_at);

    expect((await bosun.client.beta.environments.update(environment.id, { description: '' })).description).toBe('');
    expect((await bosun.client.beta.environments.update(environment.id, { description: null })).description).toBeNull();
    expect(await bosun.client.beta.environments.retrieve(environment.id)).toMatchObject({
      name: 'renamed',
      description: null,
    });
  });

  it('merges a cloud config: omitted networking fields are preserved', async () => {
    const environment = await createEnvironment(bosun.client, {
      config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['a.example'], allow_mcp_servers: true } },
    });
    const updated = await bosun.client.beta.environments.update(environment.id, {
      config: {
        type: 'cloud',
        networking: { type: 'limited', allow_package_managers: true },
        packages: { pip: ['x'] },
      },
    });
    expect(updated.config).toEqual({
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['a.example'],
        allow_mcp_servers: true,
        allow_package_managers: true,
      },
      packages: { ...noPackages, pip: ['x'] },
    });
    // Turning package managers off while packages remain would break the rule.
    await apiError(
      bosun.client.beta.environments.update(environment.id, {
        config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false } },
      }),
      BadRequestError,
    );
  });

  it('rejects a config.type change with the typed invalid_config_type_change error', async () => {
    const environment = await createEnvironment(bosun.client);
    const error = await apiError(
      bosun.client.beta.environments.update(environment.id, { config: { type: 'self_hosted' } }),
      BetaInvalidConfigTypeChangeError,
    );
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe('invalid_config_type_change');
    expect((await bosun.client.beta.environments.retrieve(environment.id)).config.type).toBe('cloud');
  });

  it('rejects updates to an archived environment with the typed environment_archived error', async () => {
    const environment = await createEnvironment(bosun.client);
    await bosun.client.beta.environments.archive(environment.id);
    const error = await apiError(
      bosun.client.beta.environments.update(environment.id, { name: 'nope' }),
      BetaEnvironmentArchivedError,
    );
    expect(error.errorCode).toBe('environment_archived');
    expect((await bosun.client.beta.environments.retrieve(environment.id)).name).toBe(environment.name);
  });

  it('answers 404 for an unknown environment', async () => {
    await apiError(bosun.client.beta.environments.update('env_unknown', { name: 'x' }), NotFoundError);
  });
});

describe('environments: archive and delete', () => {
  it('archives: archived_at is set, the environment is kept, new sessions are refused', async () => {
    const environment = await createEnvironment(bosun.client);
    const archived = await bosun.client.beta.environments.archive(environment.id);
    expect(archived.archived_at).toEqual(anyString);
    expect((await bosun.client.beta.environments.retrieve(environment.id)).archived_at).toBe(archived.archived_at);

    const agent = await createAgent(bosun.client);
    const error = await apiError(
      bosun.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id }),
      BetaEnvironmentArchivedError,
    );
    expect(error.status).toBe(400);
  });

  it('deletes: the response is environment_deleted and the environment is gone', async () => {
    const environment = await createEnvironment(bosun.client);
    expect(await bosun.client.beta.environments.delete(environment.id)).toEqual({
      id: environment.id,
      type: 'environment_deleted',
    });
    await apiError(bosun.client.beta.environments.retrieve(environment.id), NotFoundError);
    await apiError(bosun.client.beta.environments.delete(environment.id), NotFoundError);
    const listed = (await collect(bosun.client.beta.environments.list({ include_archived: true }))).map((e) => e.id);
    expect(listed).not.toContain(environment.id);
  });
});

describe('environments: list', () => {
  it('iterates across pages with `for await` and hides archived ones by default', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createEnvironment(bosun.client, { name: `list ${i}` })).id);
    const archived = await createEnvironment(bosun.client, { name: 'archived' });
    await bosun.client.beta.environments.archive(archived.id);

    const first = await bosun.client.beta.environments.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_page).toEqual(anyString);

    const seen = (await collect(bosun.client.beta.environments.list({ limit: 2 }))).map((e) => e.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(seen).not.toContain(archived.id);

    const withArchived = (await collect(bosun.client.beta.environments.list({ limit: 2, include_archived: true }))).map(
      (e) => e.id,
    );
    expect(withArchived).toContain(archived.id);
    expect(withArchived.length).toBe(seen.length + (await countArchived()));
  });
});

async function countArchived(): Promise<number> {
  const all = await collect(bosun.client.beta.environments.list({ include_archived: true, limit: 100 }));
  return all.filter((e) => e.archived_at !== null).length;
}
