import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  BetaEnvironment,
  EnvironmentCreateParams,
  EnvironmentUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/environments/environments.js';
import {
  PACKAGES_NEED_PACKAGE_MANAGERS,
  applyEnvironmentUpdate,
  buildEnvironmentBody,
  configIssue,
  configTypeChanged,
  environmentCreateSchema,
  environmentUpdateSchema,
  type EnvironmentBody,
} from './environment.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type HeaderParams = 'betas' | 'workspace_id';

// Compile-time pins: every SDK request parses, every parsed body is a valid SDK request, and the
// field sets match exactly.
export type EnvironmentPins = [
  Assert<Equals<keyof z.input<typeof environmentCreateSchema>, keyof Omit<EnvironmentCreateParams, HeaderParams>>>,
  Assert<Equals<keyof z.input<typeof environmentUpdateSchema>, keyof Omit<EnvironmentUpdateParams, HeaderParams>>>,
  Assert<Omit<EnvironmentCreateParams, HeaderParams> extends z.input<typeof environmentCreateSchema> ? true : false>,
  Assert<Omit<EnvironmentUpdateParams, HeaderParams> extends z.input<typeof environmentUpdateSchema> ? true : false>,
  Assert<z.output<typeof environmentCreateSchema> extends EnvironmentCreateParams ? true : false>,
  Assert<z.output<typeof environmentUpdateSchema> extends EnvironmentUpdateParams ? true : false>,
];

const serverFields = {
  id: 'env_1',
  type: 'environment',
  created_at: '2026-11-25T00:00:00Z',
  updated_at: '2026-11-25T00:00:00Z',
  archived_at: null,
} as const;

const create = (input: unknown) => buildEnvironmentBody(environmentCreateSchema.parse(input));
const update = (current: EnvironmentBody, input: unknown) =>
  applyEnvironmentUpdate(current, environmentUpdateSchema.parse(input));

function issuesOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues;
}

const limitedNoPackageManagers = {
  type: 'cloud',
  networking: { type: 'limited', allowed_hosts: ['example.com'] },
  packages: { pip: ['requests'] },
};

describe('environmentCreateSchema', () => {
  it('fills every response default for a bare name', () => {
    const body = create({ name: 'python' }) satisfies Omit<BetaEnvironment, keyof typeof serverFields>;
    expect({ ...body, ...serverFields } satisfies BetaEnvironment).toEqual({
      ...serverFields,
      name: 'python',
      description: null,
      metadata: {},
      scope: 'organization',
      config: {
        type: 'cloud',
        networking: { type: 'unrestricted' },
        packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
      },
    });
  });

  it('treats null config, description and scope like omitted ones', () => {
    expect(create({ name: 'x', config: null, description: null, scope: null })).toEqual(create({ name: 'x' }));
  });

  it('defaults limited networking fields to false and no hosts', () => {
    const body = create({ name: 'x', config: { type: 'cloud', networking: { type: 'limited' } } });
    expect(body.config).toMatchObject({
      networking: { type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false },
    });
  });

  it('keeps given packages and fills the other managers with empty lists', () => {
    const body = create({
      name: 'x',
      config: { type: 'cloud', packages: { type: 'packages', pip: ['numpy==2.0'], npm: null } },
    });
    expect(body.config).toMatchObject({
      packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['numpy==2.0'] },
    });
  });

  it('builds a self_hosted config with nothing else in it', () => {
    expect(create({ name: 'x', config: { type: 'self_hosted' } }).config).toEqual({ type: 'self_hosted' });
  });

  it('keeps description, metadata and account scope as given', () => {
    const body = create({ name: 'x', description: '', metadata: { team: 'data' }, scope: 'account' });
    expect(body).toMatchObject({ description: '', metadata: { team: 'data' }, scope: 'account' });
  });

  it('requires name', () => {
    expect(issuesOf(environmentCreateSchema, {})).toMatchObject([{ code: 'invalid_type', path: ['name'] }]);
  });

  it.each([
    [{ name: 'x', extra: 1 }, []],
    [{ name: 'x', config: { type: 'self_hosted', networking: { type: 'unrestricted' } } }, ['config']],
    [
      { name: 'x', config: { type: 'cloud', networking: { type: 'unrestricted', allowed_hosts: [] } } },
      ['config', 'networking'],
    ],
    [
      { name: 'x', config: { type: 'cloud', networking: { type: 'limited', allow_all: true } } },
      ['config', 'networking'],
    ],
    [{ name: 'x', config: { type: 'cloud', packages: { brew: ['jq'] } } }, ['config', 'packages']],
  ])('names unknown fields by path: %j', (input, path) => {
    expect(issuesOf(environmentCreateSchema, input)).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path }),
    ]);
  });

  it.each([
    { name: 'x', config: { type: 'docker' } },
    { name: 'x', config: { type: 'cloud', networking: { type: 'none' } } },
    { name: 'x', config: { type: 'cloud', packages: { type: 'bundle' } } },
    { name: 'x', scope: 'workspace' },
    { name: 'x', metadata: { a: null } },
  ])('rejects values outside the SDK types: %j', (input) => {
    expect(environmentCreateSchema.safeParse(input).success).toBe(false);
  });
});

describe('packages under limited networking', () => {
  const rule = expect.objectContaining({
    code: 'custom',
    path: ['config', 'networking', 'allow_package_managers'],
    message: PACKAGES_NEED_PACKAGE_MANAGERS,
  });

  it('rejects packages on create unless allow_package_managers is true', () => {
    expect(issuesOf(environmentCreateSchema, { name: 'x', config: limitedNoPackageManagers })).toEqual([rule]);
    const explicitFalse = {
      ...limitedNoPackageManagers,
      networking: { type: 'limited', allow_package_managers: false },
    };
    expect(issuesOf(environmentCreateSchema, { name: 'x', config: explicitFalse })).toEqual([rule]);
  });

  it('accepts packages when allow_package_managers is true', () => {
    const config = { ...limitedNoPackageManagers, networking: { type: 'limited', allow_package_managers: true } };
    expect(environmentCreateSchema.safeParse({ name: 'x', config }).success).toBe(true);
  });

  it('accepts packages under unrestricted networking', () => {
    const config = { ...limitedNoPackageManagers, networking: { type: 'unrestricted' } };
    expect(environmentCreateSchema.safeParse({ name: 'x', config }).success).toBe(true);
  });

  it('does not count empty package lists as specified packages', () => {
    // A retrieved environment always carries `packages`; sending it back must not fail.
    const config = { type: 'cloud', networking: { type: 'limited' }, packages: { type: 'packages', pip: [], npm: [] } };
    expect(environmentCreateSchema.safeParse({ name: 'x', config }).success).toBe(true);
  });

  it('rejects an explicit false on update, and leaves an omitted one to the merged check', () => {
    const explicitFalse = {
      ...limitedNoPackageManagers,
      networking: { type: 'limited', allow_package_managers: false },
    };
    expect(issuesOf(environmentUpdateSchema, { config: explicitFalse })).toEqual([rule]);
    expect(environmentUpdateSchema.safeParse({ config: limitedNoPackageManagers }).success).toBe(true);
  });

  it('checks the merged config with configIssue', () => {
    const current = create({ name: 'x', config: { type: 'cloud', networking: { type: 'limited' } } });
    const merged = update(current, { config: { type: 'cloud', packages: { apt: ['jq'] } } });
    expect(configIssue(merged.config)).toEqual({
      path: ['config', 'networking', 'allow_package_managers'],
      message: PACKAGES_NEED_PACKAGE_MANAGERS,
    });
    expect(configIssue(current.config)).toBeUndefined();
    expect(configIssue({ type: 'self_hosted' })).toBeUndefined();
  });
});

describe('applyEnvironmentUpdate', () => {
  const current = create({
    name: 'old',
    description: 'desc',
    metadata: { keep: '1', drop: '2', blank: '3' },
    config: {
      type: 'cloud',
      networking: { type: 'limited', allowed_hosts: ['a.com'], allow_mcp_servers: true, allow_package_managers: true },
      packages: { pip: ['requests'], npm: ['left-pad'] },
    },
  });

  it('keeps everything for an empty update', () => {
    expect(update(current, {})).toEqual(current);
  });

  it('keeps name, scope and config when they are null', () => {
    expect(update(current, { name: null, scope: null, config: null })).toEqual(current);
  });

  it('keeps description when omitted, clears it on null and stores an empty string', () => {
    expect(update(current, {}).description).toBe('desc');
    expect(update(current, { description: null }).description).toBeNull();
    expect(update(current, { description: '' }).description).toBe('');
  });

  it('patches metadata: a string upserts, null or an empty string deletes', () => {
    const next = update(current, { metadata: { drop: null, blank: '', added: 'x', keep: 'new' } });
    expect(next.metadata).toEqual({ keep: 'new', added: 'x' });
  });

  it('merges limited networking field by field', () => {
    const next = update(current, {
      config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['b.com'] } },
    });
    expect(next.config).toEqual({
      ...current.config,
      networking: { type: 'limited', allowed_hosts: ['b.com'], allow_mcp_servers: true, allow_package_managers: true },
    });
  });

  it('keeps networking and packages when the cloud config omits them', () => {
    expect(update(current, { config: { type: 'cloud' } }).config).toEqual(current.config);
    expect(update(current, { config: { type: 'cloud', networking: null, packages: null } }).config).toEqual(
      current.config,
    );
  });

  it('replaces packages as a whole', () => {
    const next = update(current, { config: { type: 'cloud', packages: { apt: ['jq'] } } });
    expect(next.config).toMatchObject({ packages: { type: 'packages', apt: ['jq'], pip: [], npm: [] } });
  });

  it('starts a switch to limited networking from the create defaults', () => {
    const open = create({ name: 'x' });
    const next = update(open, { config: { type: 'cloud', networking: { type: 'limited' } } });
    expect(next.config).toMatchObject({
      networking: { type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false },
    });
    expect(update(current, { config: { type: 'cloud', networking: { type: 'unrestricted' } } }).config).toMatchObject({
      networking: { type: 'unrestricted' },
    });
  });

  it('does not mutate the current body', () => {
    const snapshot = structuredClone(current);
    update(current, {
      metadata: { keep: null },
      config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['z'] } },
    });
    expect(current).toEqual(snapshot);
  });

  it('produces a body that is still a valid response', () => {
    const next = update(current, { name: 'new', scope: 'account' });
    expect({ ...next, ...serverFields } satisfies BetaEnvironment).toMatchObject({ name: 'new', scope: 'account' });
  });
});

describe('configTypeChanged', () => {
  const cloud = create({ name: 'x' });
  const selfHosted = create({ name: 'x', config: { type: 'self_hosted' } });

  it('is true only when a config with another type is given', () => {
    expect(configTypeChanged(cloud, environmentUpdateSchema.parse({ config: { type: 'self_hosted' } }))).toBe(true);
    expect(configTypeChanged(selfHosted, environmentUpdateSchema.parse({ config: { type: 'cloud' } }))).toBe(true);
    expect(configTypeChanged(cloud, environmentUpdateSchema.parse({ config: { type: 'cloud' } }))).toBe(false);
    expect(configTypeChanged(cloud, environmentUpdateSchema.parse({ config: null }))).toBe(false);
    expect(configTypeChanged(cloud, environmentUpdateSchema.parse({}))).toBe(false);
  });

  it('makes applyEnvironmentUpdate refuse a type change the caller did not check', () => {
    expect(() => update(cloud, { config: { type: 'self_hosted' } })).toThrow(RangeError);
    expect(update(selfHosted, { config: { type: 'self_hosted' } }).config).toEqual({ type: 'self_hosted' });
  });
});
