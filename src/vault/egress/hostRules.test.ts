import { describe, expect, it } from 'vitest';
import { canonicalHost, formatRule, matchRule, parseAuthority, parseHostRule } from './hostRules.js';

const rule = (entry: string) => parseHostRule(entry, 'allowed_hosts');

describe('allowed_hosts entries', () => {
  it('parse host names, ports, wildcards, IP addresses and URLs', () => {
    expect(rule('api.example.com')).toEqual({
      host: 'api.example.com',
      wildcard: false,
      port: null,
      source: 'allowed_hosts',
    });
    expect(rule(' API.Example.COM. ')).toMatchObject({ host: 'api.example.com', port: null });
    expect(rule('api.example.com:8443')).toMatchObject({ host: 'api.example.com', port: 8443 });
    expect(rule('*.example.com')).toMatchObject({ host: 'example.com', wildcard: true });
    expect(rule('https://api.example.com/v1?x=1')).toMatchObject({ host: 'api.example.com', port: null });
    expect(rule('https://api.example.com:444/')).toMatchObject({ host: 'api.example.com', port: 444 });
    expect(rule('bücher.de')).toMatchObject({ host: 'xn--bcher-kva.de' });
    expect(rule('10.0.0.5')).toMatchObject({ host: '10.0.0.5' });
    expect(rule('[2001:db8::1]:443')).toMatchObject({ host: '2001:db8::1', port: 443 });
    expect(rule('2001:db8::1')).toMatchObject({ host: '2001:db8::1', port: null });
  });

  it('allow nothing when they cannot be parsed', () => {
    for (const bad of [
      '',
      '*',
      'a b.com',
      'example.com:99999',
      'example.com:http',
      '*.10.0.0.1',
      'exa_mple.com',
      '*.*.com',
    ]) {
      expect(rule(bad), bad).toBeNull();
    }
  });

  it('match exactly, or any subdomain for a wildcard (never the parent itself)', () => {
    const rules = ['api.example.com', '*.cdn.test', 'pinned.test:8443'].map((e) => rule(e)!);
    expect(matchRule(rules, 'api.example.com', 443)).toBe(rules[0]);
    expect(matchRule(rules, 'www.example.com', 443)).toBeNull();
    expect(matchRule(rules, 'example.com', 443)).toBeNull();
    expect(matchRule(rules, 'evilapi.example.com', 443)).toBeNull();
    expect(matchRule(rules, 'a.cdn.test', 80)).toBe(rules[1]);
    expect(matchRule(rules, 'a.b.cdn.test', 80)).toBe(rules[1]);
    expect(matchRule(rules, 'cdn.test', 80)).toBeNull();
    expect(matchRule(rules, 'evilcdn.test', 80)).toBeNull();
    expect(matchRule(rules, 'pinned.test', 8443)).toBe(rules[2]);
    expect(matchRule(rules, 'pinned.test', 443)).toBeNull();
    expect(formatRule(rules[1]!)).toBe('allowed_hosts: *.cdn.test');
  });
});

describe('canonical hosts', () => {
  it('are what the allow-list and the resolver see, whatever spelling the sandbox used', () => {
    expect(canonicalHost('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalHost('2130706433')).toBe('127.0.0.1');
    expect(canonicalHost('LOCALHOST.')).toBe('localhost');
    expect(canonicalHost('::ffff:127.0.0.1')).toBe('::ffff:7f00:1');
    expect(canonicalHost('a%2eb')).toBeNull();
  });

  it('parse CONNECT targets, which must carry a port', () => {
    expect(parseAuthority('example.com:443', null)).toEqual({ host: 'example.com', port: 443 });
    expect(parseAuthority('[::1]:22', null)).toEqual({ host: '::1', port: 22 });
    expect(parseAuthority('example.com', null)).toEqual({ host: 'example.com', port: null });
    expect(parseAuthority('example.com:0', null)).toBeNull();
    expect(parseAuthority('user@example.com:443', null)).toBeNull();
  });
});
