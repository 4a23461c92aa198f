import type { SessionHandsContext } from '../../core/hands.js';
import { describe, expect, it } from 'vitest';
import { checkDomainRules, parseFetchUrl, passesDomainRules, webToolSettings } from './webFetchConfig.js';

const session = (configs: unknown[]): SessionHandsContext =>
  ({
    sessionId: 'sesn_x',
    environmentId: 'env_x',
    environmentConfig: { type: 'cloud' },
    agentTools: [{ type: 'agent_toolset_20260401', default_config: {}, configs }],
  }) as unknown as SessionHandsContext;

describe('web tool settings', () => {
  it('reads the agent snapshot, and defaults when there is none', () => {
    expect(webToolSettings({ sessionId: 's', environmentId: 'e', environmentConfig: {} }, 'web_fetch')).toEqual({
      allowedDomains: null,
      blockedDomains: null,
      maxContentTokens: null,
    });
    const s = session([
      {
        name: 'web_fetch',
        type: 'web_fetch',
        blocked_domains: ['Ads.Example.COM.', 'bücher.de'],
        max_content_tokens: 500,
      },
      { name: 'web_search', type: 'web_search', allowed_domains: ['docs.example.com'] },
    ]);
    expect(webToolSettings(s, 'web_fetch')).toEqual({
      allowedDomains: null,
      blockedDomains: ['ads.example.com', 'xn--bcher-kva.de'],
      maxContentTokens: 500,
    });
    expect(webToolSettings(s, 'web_search').allowedDomains).toEqual(['docs.example.com']);
  });

  it('applies blocked_domains and allowed_domains to the host and its subdomains only', () => {
    const blocked = { allowedDomains: null, blockedDomains: ['example.com'], maxContentTokens: null };
    expect(() => checkDomainRules(new URL('https://example.com/'), blocked, 'web_fetch')).toThrow(
      "web_fetch: example.com is blocked by this agent's web_fetch blocked_domains (rule: example.com); nothing was fetched",
    );
    expect(() => checkDomainRules(new URL('https://a.b.EXAMPLE.com./x'), blocked, 'web_fetch')).toThrow(
      /rule: example\.com/,
    );
    expect(() => checkDomainRules(new URL('https://notexample.com/'), blocked, 'web_fetch')).not.toThrow();
    const allowed = { allowedDomains: ['docs.example.com'], blockedDomains: null, maxContentTokens: null };
    expect(() => checkDomainRules(new URL('https://docs.example.com/a'), allowed, 'web_fetch')).not.toThrow();
    expect(() => checkDomainRules(new URL('https://v2.docs.example.com/a'), allowed, 'web_fetch')).not.toThrow();
    expect(() => checkDomainRules(new URL('https://example.com/'), allowed, 'web_fetch')).toThrow(
      "web_fetch: example.com is not in this agent's web_fetch allowed_domains (docs.example.com); nothing was fetched",
    );
    expect(passesDomainRules('WWW.Docs.Example.com', allowed)).toBe(true);
    expect(passesDomainRules('evil.com', allowed)).toBe(false);
  });
});

describe('parseFetchUrl', () => {
  it('takes http(s) URLs, a bare host as https, and drops the fragment', () => {
    expect(parseFetchUrl('https://example.com/a#frag').href).toBe('https://example.com/a');
    expect(parseFetchUrl('example.com/docs').href).toBe('https://example.com/docs');
    expect(parseFetchUrl('localhost:8080/x').href).toBe('https://localhost:8080/x');
    expect(parseFetchUrl(' http://[::1]:80/ ').href).toBe('http://[::1]/');
  });

  it('refuses other schemes, junk and overlong URLs with a clear error', () => {
    expect(() => parseFetchUrl('ftp://example.com/')).toThrow(
      'web_fetch: only http and https URLs can be fetched, not ftp',
    );
    expect(() => parseFetchUrl('file:///etc/passwd')).toThrow(/not file/);
    expect(() => parseFetchUrl('javascript:alert(1)')).toThrow(/not javascript/);
    expect(() => parseFetchUrl('http://exa mple.com/')).toThrow(/is not a valid URL/);
    expect(() => parseFetchUrl(`https://example.com/${'a'.repeat(2100)}`)).toThrow(
      /the URL is too long \(2120 characters; at most 2048\)/,
    );
  });
});
