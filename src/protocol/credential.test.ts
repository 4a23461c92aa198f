import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  BetaManagedAgentsCredential,
  CredentialCreateParams,
  CredentialUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/vaults/credentials.js';
import {
  credentialCreateSchema,
  credentialUpdateSchema,
  immutableCredentialFields,
  isAllowedHostEntry,
} from './credential.js';
import {
  applyCredentialUpdate,
  buildCredentialAuth,
  credentialSlot,
  credentialUpdateSecrets,
  CredentialRuleError,
  normalizeMcpServerUrl,
  publicAuth,
  type CredentialAuth,
  type CredentialBody,
} from './credentialAuth.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type HeaderParams = 'betas' | 'workspace_id';
type CreateWire = Omit<CredentialCreateParams, HeaderParams>;
type UpdateWire = Omit<CredentialUpdateParams, HeaderParams | 'vault_id'>;

export type CredentialPins = [
  Assert<Equals<keyof z.input<typeof credentialCreateSchema>, keyof CreateWire>>,
  Assert<Equals<keyof z.input<typeof credentialUpdateSchema>, keyof UpdateWire>>,
  Assert<CreateWire extends z.input<typeof credentialCreateSchema> ? true : false>,
  Assert<UpdateWire extends z.input<typeof credentialUpdateSchema> ? true : false>,
  Assert<z.output<typeof credentialCreateSchema> extends CreateWire ? true : false>,
  Assert<z.output<typeof credentialUpdateSchema> extends UpdateWire ? true : false>,
  Assert<CredentialAuth extends BetaManagedAgentsCredential['auth'] ? true : false>,
];

const NOW = new Date('2026-11-25T00:00:00Z');
const FUTURE = '2026-12-01T00:00:00Z';
const PAST = '2026-11-01T00:00:00Z';

const build = (auth: unknown) => buildCredentialAuth(credentialCreateSchema.parse({ auth }).auth, NOW);
const body = (auth: unknown): CredentialBody<string> => ({
  display_name: null,
  metadata: {},
  auth: build(auth).auth,
  sealed: {},
});
const update = (current: CredentialBody<string>, input: unknown) =>
  applyCredentialUpdate(current, credentialUpdateSchema.parse(input), NOW);

const oauth = {
  type: 'mcp_oauth',
  access_token: 'at-secret',
  mcp_server_url: 'https://mcp.example.com/mcp',
  expires_at: FUTURE,
  refresh: {
    client_id: 'client-1',
    refresh_token: 'rt-secret',
    token_endpoint: 'https://auth.example.com/token',
    token_endpoint_auth: { type: 'client_secret_post', client_secret: 'cs-secret' },
    scope: 'read',
  },
};
const envVar = {
  type: 'environment_variable',
  secret_name: 'GITHUB_TOKEN',
  secret_value: 'ghp-secret',
  networking: { type: 'limited', allowed_hosts: ['api.github.com', '*.github.com'] },
};

describe('buildCredentialAuth', () => {
  it('splits static_bearer into public auth and the token', () => {
    expect(build({ type: 'static_bearer', token: 'tok', mcp_server_url: 'https://m.example/sse' })).toEqual({
      auth: { type: 'static_bearer', mcp_server_url: 'https://m.example/sse' },
      secrets: { token: 'tok' },
    });
  });

  it('splits mcp_oauth with refresh; the response shape fills resource and scope', () => {
    expect(build(oauth)).toEqual({
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://mcp.example.com/mcp',
        expires_at: FUTURE,
        refresh: {
          client_id: 'client-1',
          token_endpoint: 'https://auth.example.com/token',
          token_endpoint_auth: { type: 'client_secret_post' },
          resource: null,
          scope: 'read',
        },
      },
      secrets: { access_token: 'at-secret', refresh_token: 'rt-secret', client_secret: 'cs-secret' },
    });
  });

  it('stores no client secret for token_endpoint_auth none, and null refresh and expiry when omitted', () => {
    const none = { ...oauth, refresh: { ...oauth.refresh, token_endpoint_auth: { type: 'none' } } };
    expect(build(none).secrets).toEqual({ access_token: 'at-secret', refresh_token: 'rt-secret' });
    const bare = build({ type: 'mcp_oauth', access_token: 'a', mcp_server_url: 'https://m.example' });
    expect(bare.auth).toEqual({
      type: 'mcp_oauth',
      mcp_server_url: 'https://m.example',
      expires_at: null,
      refresh: null,
    });
  });

  it('rejects an expiry in the past', () => {
    expect(() => build({ ...oauth, expires_at: PAST })).toThrow(CredentialRuleError);
  });

  it('defaults injection_location to headers only; a given one lists exactly the enabled locations', () => {
    expect(build(envVar).auth).toMatchObject({ injection_location: { header: true, body: false } });
    expect(build({ ...envVar, injection_location: { body: true } }).auth).toMatchObject({
      injection_location: { header: false, body: true },
    });
    expect(() => build({ ...envVar, injection_location: {} })).toThrow(/at least one/);
    expect(() => build({ ...envVar, injection_location: { body: false, header: false } })).toThrow(CredentialRuleError);
  });

  it.each([
    [{ ...envVar, secret_name: '1BAD' }],
    [{ ...envVar, secret_name: 'HAS-DASH' }],
    [{ ...envVar, secret_value: '' }],
    [{ ...envVar, networking: { type: 'limited', allowed_hosts: ['https://api.github.com'] } }],
    [
      {
        ...envVar,
        networking: { type: 'limited', allowed_hosts: Array.from({ length: 17 }, (_, i) => `h${i}.example`) },
      },
    ],
    [{ ...envVar, networking: { type: 'limited' } }],
    [{ ...oauth, mcp_server_url: 'ftp://x.example' }],
    [{ ...oauth, expires_at: 'tomorrow' }],
    [{ ...oauth, refresh: { ...oauth.refresh, token_endpoint_auth: { type: 'client_secret_basic' } } }],
    [{ type: 'static_bearer', token: 't', mcp_server_url: 'https://m.example', extra: 1 }],
    [{ type: 'basic_auth' }],
  ])('rejects %j', (auth) => {
    expect(credentialCreateSchema.safeParse({ auth }).success).toBe(false);
  });

  it('never echoes a secret in a validation message', () => {
    const result = credentialCreateSchema.safeParse({ auth: { ...envVar, secret_value: 12345 } });
    expect(JSON.stringify(result.error?.issues.map((issue) => issue.message))).not.toContain('12345');
  });
});

describe('isAllowedHostEntry', () => {
  it.each(['api.example.com', 'localhost', '192.0.2.1', '*.example.com', 'EXAMPLE.com'])('accepts %s', (host) => {
    expect(isAllowedHostEntry(host)).toBe(true);
  });
  it.each([
    'https://example.com',
    'example.com:443',
    'example.com/path',
    '::1',
    '[::1]',
    '*',
    '*.',
    'a..b',
    '-a.com',
    '',
  ])('rejects %s', (host) => expect(isAllowedHostEntry(host)).toBe(false));
});

describe('applyCredentialUpdate', () => {
  it('rejects a type change', () => {
    expect(() => update(body(envVar), { auth: { type: 'static_bearer', token: 'x' } })).toThrow(/type/);
  });

  it('keeps the stored expiry when a new access_token comes without expires_at; null clears it', () => {
    const current = body(oauth);
    expect(update(current, { auth: { type: 'mcp_oauth', access_token: 'new' } }).auth).toMatchObject({
      expires_at: FUTURE,
    });
    const later = '2027-01-01T00:00:00Z';
    expect(update(current, { auth: { type: 'mcp_oauth', access_token: 'new', expires_at: later } }).auth).toMatchObject(
      {
        expires_at: later,
      },
    );
    expect(update(current, { auth: { type: 'mcp_oauth', expires_at: null } }).auth).toMatchObject({ expires_at: null });
    expect(() => update(current, { auth: { type: 'mcp_oauth', expires_at: PAST } })).toThrow(/future/);
  });

  it('updates the refresh scope ("" clears it) and keeps the token_endpoint_auth type', () => {
    const current = body(oauth);
    const cleared = update(current, { auth: { type: 'mcp_oauth', refresh: { scope: '' } } });
    expect(cleared.auth).toMatchObject({ refresh: { scope: null, client_id: 'client-1' } });
    const swapped = update(current, {
      auth: {
        type: 'mcp_oauth',
        refresh: { token_endpoint_auth: { type: 'client_secret_basic', client_secret: 'n' } },
      },
    });
    expect(swapped.auth).toMatchObject({ refresh: { token_endpoint_auth: { type: 'client_secret_post' } } });
  });

  it('refuses a client secret for token_endpoint_auth none, and refresh settings on a credential without refresh', () => {
    const none = body({ ...oauth, refresh: { ...oauth.refresh, token_endpoint_auth: { type: 'none' } } });
    const secret = {
      type: 'mcp_oauth',
      refresh: { token_endpoint_auth: { type: 'client_secret_post', client_secret: 's' } },
    };
    expect(() => update(none, { auth: secret })).toThrow(/client_secret_basic or client_secret_post/);
    const bare = body({ type: 'mcp_oauth', access_token: 'a', mcp_server_url: 'https://m.example' });
    expect(() => update(bare, { auth: { type: 'mcp_oauth', refresh: { refresh_token: 'r' } } })).toThrow(/no refresh/);
  });

  it('merges injection_location per location and keeps one enabled', () => {
    const current = body({ ...envVar, injection_location: { header: true, body: false } });
    expect(
      update(current, { auth: { type: 'environment_variable', injection_location: { body: true } } }).auth,
    ).toMatchObject({
      injection_location: { header: true, body: true },
    });
    expect(() =>
      update(current, { auth: { type: 'environment_variable', injection_location: { header: false } } }),
    ).toThrow(/at least one/);
  });

  it('replaces networking as a whole; null keeps it', () => {
    const current = body(envVar);
    const next = update(current, {
      auth: { type: 'environment_variable', networking: { type: 'limited', allowed_hosts: ['x.example'] } },
    });
    expect(next.auth).toMatchObject({ networking: { type: 'limited', allowed_hosts: ['x.example'] } });
    expect(update(current, { auth: { type: 'environment_variable', networking: null } }).auth).toEqual(current.auth);
  });

  it('patches metadata and display_name (null clears the optional name)', () => {
    const current = { ...body(envVar), display_name: 'gh', metadata: { a: '1', b: '2' } };
    const next = update(current, { display_name: null, metadata: { a: null, c: '3' } });
    expect(next).toMatchObject({ display_name: null, metadata: { b: '2', c: '3' } });
  });

  it('names the secrets an update sets; null keeps them', () => {
    expect(
      credentialUpdateSecrets(credentialUpdateSchema.parse({ auth: { type: 'static_bearer', token: null } }).auth),
    ).toEqual({});
    const auth = credentialUpdateSchema.parse({
      auth: {
        type: 'mcp_oauth',
        access_token: 'a',
        refresh: { refresh_token: 'r', token_endpoint_auth: { type: 'client_secret_basic', client_secret: 'c' } },
      },
    }).auth;
    expect(credentialUpdateSecrets(auth)).toEqual({ access_token: 'a', refresh_token: 'r', client_secret: 'c' });
  });
});

describe('immutableCredentialFields', () => {
  it('names immutable fields present in a raw body', () => {
    expect(immutableCredentialFields({ auth: { type: 'static_bearer', mcp_server_url: 'https://x' } })).toEqual([
      'auth.mcp_server_url',
    ]);
    expect(immutableCredentialFields({ auth: { type: 'environment_variable', secret_name: 'X' } })).toEqual([
      'auth.secret_name',
    ]);
    expect(immutableCredentialFields({ auth: { type: 'mcp_oauth', refresh: { client_id: 'c' } } })).toEqual([
      'auth.refresh.client_id',
    ]);
    expect(immutableCredentialFields({ auth: { type: 'mcp_oauth', refresh: null } })).toEqual([]);
    expect(immutableCredentialFields(null)).toEqual([]);
  });
});

describe('publicAuth and slots', () => {
  it('copies only the public fields', () => {
    const leaky = { ...build(envVar).auth, secret_value: 'ghp-secret' } as unknown as CredentialAuth;
    expect(JSON.stringify(publicAuth(leaky))).not.toContain('ghp-secret');
  });

  it('gives one slot per MCP server URL (normalized) and per variable name', () => {
    const a = build({ type: 'static_bearer', token: 't', mcp_server_url: 'https://MCP.example.com/mcp/' }).auth;
    const b = build({ ...oauth, mcp_server_url: 'https://mcp.example.com/mcp' }).auth;
    expect(credentialSlot(a)).toBe(credentialSlot(b));
    expect(credentialSlot(build(envVar).auth)).toBe('env:GITHUB_TOKEN');
    expect(normalizeMcpServerUrl('https://Example.com/')).toBe('https://example.com/');
  });
});
