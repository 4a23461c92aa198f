import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EgressTarget, InterceptedRequest, InterceptorScope } from '../egress/types.js';
import type { EnvironmentVariableCredential } from '../sessionCredentials.js';
import { unreachableCredentialHosts } from './credentialHosts.js';
import { loadOrCreatePlaceholderKey, PLACEHOLDER_PREFIX, placeholderFor } from './placeholders.js';
import { createSecretSubstitution } from './secretSubstitution.js';
import { secretForms } from './secretForms.js';

const KEY = randomBytes(32);
const SECRET = `tok-${randomBytes(12).toString('hex')}`;
const BODY_SECRET = `body "quoted" & /slashed\\ ${randomBytes(6).toString('hex')}`;

const credential = (overrides: Partial<EnvironmentVariableCredential> = {}): EnvironmentVariableCredential => ({
  credentialId: 'vcrd_header',
  vaultId: 'vlt_1',
  secretName: 'SERVICE_TOKEN',
  value: SECRET,
  injectionLocation: { header: true, body: false },
  networking: { type: 'limited', allowed_hosts: ['api.service.test', '*.wild.test', '192.0.2.9'] },
  ...overrides,
});
const bodyCredential = credential({
  credentialId: 'vcrd_body',
  secretName: 'BODY_TOKEN',
  value: BODY_SECRET,
  injectionLocation: { header: false, body: true },
  networking: { type: 'unrestricted' },
});

const everything: InterceptorScope = { reaches: () => true };
const target = (host: string, sessionId = 'sesn_1', port = 443): EgressTarget => ({
  sessionId,
  environmentId: 'env_1',
  host,
  port,
  scheme: 'https',
});
const request = (headers: InterceptedRequest['headers'], body = ''): InterceptedRequest => ({
  method: 'POST',
  url: 'https://api.service.test/v1?key=x',
  headers,
  body: Buffer.from(body),
});

function substitution(credentials = [credential(), bodyCredential]) {
  const warnings: string[] = [];
  const unreachable: unknown[] = [];
  const interceptor = createSecretSubstitution({
    placeholderKey: KEY,
    credentials: async () => credentials,
    warn: (message) => warnings.push(message),
    unreachable: (_sessionId, errors) => unreachable.push(...errors),
  });
  return { interceptor, warnings, unreachable };
}

async function readAll(readable: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

describe('placeholders', () => {
  it('are unguessable without the key, stable per session and credential, different otherwise', () => {
    const p = placeholderFor(KEY, 'sesn_1', 'vcrd_1');
    expect(p).toMatch(new RegExp(`^${PLACEHOLDER_PREFIX}[0-9a-f]{32}$`));
    expect(placeholderFor(KEY, 'sesn_1', 'vcrd_1')).toBe(p);
    expect(placeholderFor(KEY, 'sesn_2', 'vcrd_1')).not.toBe(p);
    expect(placeholderFor(KEY, 'sesn_1', 'vcrd_2')).not.toBe(p);
    expect(placeholderFor(randomBytes(32), 'sesn_1', 'vcrd_1')).not.toBe(p);
    // no ambiguity between (session, credential) splits
    expect(placeholderFor(KEY, 'a', 'bc')).not.toBe(placeholderFor(KEY, 'ab', 'c'));
  });

  it('come from a per-installation key file, created 0600 and then reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-placeholder-'));
    try {
      const first = loadOrCreatePlaceholderKey(dir);
      expect(first.key).toHaveLength(32);
      expect(statSync(join(dir, 'placeholder.key')).mode & 0o777).toBe(0o600);
      expect(loadOrCreatePlaceholderKey(dir).key.equals(first.key)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('secret substitution', () => {
  it('gives the sandbox placeholders, never values, and skips names the sandbox needs', async () => {
    const reserved = credential({ credentialId: 'vcrd_path', secretName: 'HTTPS_PROXY' });
    const { interceptor, warnings } = substitution([credential(), bodyCredential, reserved]);
    const attached = await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    expect(attached.env).toEqual({
      SERVICE_TOKEN: placeholderFor(KEY, 'sesn_1', 'vcrd_header'),
      BODY_TOKEN: placeholderFor(KEY, 'sesn_1', 'vcrd_body'),
    });
    expect(JSON.stringify(attached.env)).not.toContain(SECRET);
    expect(warnings).toEqual([
      'credential vcrd_path: secret_name HTTPS_PROXY is a variable the sandbox needs; this credential is not used',
    ]);
  });

  it('claims exactly the hosts the credential networking allows (exact, *. subdomains only, IPv4); unrestricted claims all', async () => {
    const { interceptor } = substitution([credential()]);
    await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    const claims = (host: string) => interceptor.intercepts(target(host));
    expect(claims('api.service.test')).toBe(true);
    expect(claims('a.b.wild.test')).toBe(true);
    expect(claims('wild.test')).toBe(false);
    expect(claims('192.0.2.9')).toBe(true);
    expect(claims('evil.test')).toBe(false);
    expect(claims('service.test')).toBe(false);
    expect(claims('api.service.test.evil.test')).toBe(false);
    expect(interceptor.intercepts(target('api.service.test', 'sesn_other'))).toBe(false);
    const open = substitution([bodyCredential]).interceptor;
    await open.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    expect(open.intercepts(target('anything.test'))).toBe(true);
  });

  it('substitutes in headers and/or body as injection_location says, only for the secrets of that host', async () => {
    const { interceptor } = substitution();
    const { env } = await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    const header = env['SERVICE_TOKEN'] ?? '';
    const body = env['BODY_TOKEN'] ?? '';
    const sent = request(
      { Authorization: `Bearer ${header}`, 'X-Body-Token': body, 'content-type': 'application/json' },
      JSON.stringify({ header, body }),
    );
    const out = await interceptor.rewrite(sent, target('api.service.test'));
    expect(out.headers['Authorization']).toBe(`Bearer ${SECRET}`);
    expect(out.headers['X-Body-Token']).toBe(body); // body-only credential: headers keep the placeholder
    expect(JSON.parse(out.body.toString())).toEqual({ header, body: BODY_SECRET }); // JSON-escaped, still valid
    expect(out.url).toBe(sent.url);
    // a host only the unrestricted credential covers: the header credential's placeholder stays
    const elsewhere = await interceptor.rewrite(sent, target('evil.test'));
    expect(elsewhere.headers['Authorization']).toBe(`Bearer ${header}`);
    expect(elsewhere.body.toString()).not.toContain(SECRET);
  });

  it('URL-encodes into form bodies, inserts as is elsewhere, and handles Basic credentials', async () => {
    const { interceptor } = substitution();
    const { env } = await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    const body = env['BODY_TOKEN'] ?? '';
    const form = await interceptor.rewrite(
      request({ 'Content-Type': 'application/x-www-form-urlencoded' }, `token=${body}&x=1`),
      target('api.service.test'),
    );
    expect(new URLSearchParams(form.body.toString()).get('token')).toBe(BODY_SECRET);
    const plain = await interceptor.rewrite(request({ 'content-type': 'text/plain' }, `[${body}]`), target('x.test'));
    expect(plain.body.toString()).toBe(`[${BODY_SECRET}]`);
    const gzipped = await interceptor.rewrite(
      request({ 'content-type': 'text/plain', 'content-encoding': 'gzip' }, body),
      target('x.test'),
    );
    expect(gzipped.body.toString()).toBe(body);
    const basic = Buffer.from(`x-access-token:${env['SERVICE_TOKEN'] ?? ''}`).toString('base64');
    const git = await interceptor.rewrite(request({ authorization: `Basic ${basic}` }), target('api.service.test'));
    expect(Buffer.from(String(git.headers['authorization']).slice(6), 'base64').toString()).toBe(
      `x-access-token:${SECRET}`,
    );
  });

  it('never puts a value with line breaks into a header', async () => {
    const { interceptor, warnings } = substitution([credential({ value: 'a\r\nX-Injected: 1' })]);
    const { env } = await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    const out = await interceptor.rewrite(
      request({ authorization: env['SERVICE_TOKEN'] ?? '' }),
      target('api.service.test'),
    );
    expect(out.headers['authorization']).toBe(env['SERVICE_TOKEN']);
    expect(warnings.join()).toContain('not substituted in headers');
  });

  it('scrubs every secret of the session, in its common encodings, from response text and bodies', async () => {
    const { interceptor } = substitution();
    const { env } = await interceptor.attach!({ sessionId: 'sesn_1', environmentId: 'env_1' }, everything);
    const filter = interceptor.responseFilter!(target('api.service.test'))!;
    expect(filter.scrubText(`token=${SECRET}; Path=/`)).toBe(`token=${env['SERVICE_TOKEN']}; Path=/`);
    const echoed = [
      SECRET,
      JSON.stringify({ v: BODY_SECRET }),
      encodeURIComponent(BODY_SECRET),
      Buffer.from(`user:${SECRET}`).toString('base64'),
      Buffer.from(`ab${SECRET}`).toString('base64url'),
    ].join('\n');
    const scrubbed = await readAll(Readable.from([Buffer.from(echoed)]).pipe(filter.scrubBody()));
    expect(scrubbed).not.toContain(SECRET);
    for (const form of [...secretForms(SECRET), ...secretForms(BODY_SECRET)]) expect(scrubbed).not.toContain(form);
    expect(scrubbed.startsWith(`${env['SERVICE_TOKEN']}\n`)).toBe(true);
    expect(createHash('sha256').update(scrubbed).digest('hex')).not.toBe(
      createHash('sha256').update(echoed).digest('hex'),
    );
  });

  it('forgets a session when its sandbox detaches, and reads credentials afresh on the next attach', async () => {
    let value = SECRET;
    const interceptor = createSecretSubstitution({
      placeholderKey: KEY,
      credentials: async () => [credential({ value })],
    });
    const session = { sessionId: 'sesn_1', environmentId: 'env_1' };
    const first = await interceptor.attach!(session, everything);
    first.detach();
    expect(interceptor.intercepts(target('api.service.test'))).toBe(false);
    expect(interceptor.responseFilter!(target('api.service.test'))).toBeNull();
    value = 'rotated-value-0123456789';
    const second = await interceptor.attach!(session, everything);
    expect(second.env).toEqual(first.env);
    const out = await interceptor.rewrite(
      request({ authorization: second.env['SERVICE_TOKEN'] ?? '' }),
      target('api.service.test'),
    );
    expect(out.headers['authorization']).toBe('rotated-value-0123456789');
  });

  it('reports credential hosts the environment does not allow (credential_host_unreachable_error)', async () => {
    const { interceptor, unreachable } = substitution();
    await interceptor.attach!(
      { sessionId: 'sesn_1', environmentId: 'env_1' },
      { reaches: (entry) => entry === 'api.service.test' },
    );
    expect(unreachable).toEqual([
      {
        type: 'credential_host_unreachable_error',
        credential_id: 'vcrd_header',
        vault_id: 'vlt_1',
        message:
          "credential vcrd_header (SERVICE_TOKEN) is for *.wild.test, 192.0.2.9, which the environment's network policy does not allow",
      },
    ]);
    expect(unreachableCredentialHosts([bodyCredential], () => false)).toEqual([]);
  });
});
