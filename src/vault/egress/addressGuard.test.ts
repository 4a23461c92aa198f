import { describe, expect, it } from 'vitest';
import { addressRefusal, classifyAddress } from './addressGuard.js';

describe('upstream addresses', () => {
  it('are classified, IPv4-mapped IPv6 included', () => {
    expect(classifyAddress('93.184.215.14')).toBe('public');
    expect(classifyAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBe('public');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('127.255.0.9')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:7f00:1')).toBe('loopback');
    expect(classifyAddress('::ffff:a9fe:a9fe')).toBe('link-local');
    expect(classifyAddress('::7f00:1')).toBe('reserved');
    expect(classifyAddress('64:ff9b::7f00:1')).toBe('reserved');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
    expect(classifyAddress('169.254.169.254')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('10.1.2.3')).toBe('private');
    expect(classifyAddress('172.31.0.1')).toBe('private');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('fd00::1')).toBe('private');
    expect(classifyAddress('224.0.0.1')).toBe('multicast');
    expect(classifyAddress('not-an-ip')).toBe('reserved');
  });

  it('loopback, link-local (cloud metadata) and the like are never reachable unless the operator pinned them', () => {
    const open = { trusted: false, explicitlyAllowed: true };
    expect(addressRefusal('127.0.0.1', open)).toBe('a loopback address');
    expect(addressRefusal('169.254.169.254', open)).toMatch(/link-local/);
    expect(addressRefusal('127.0.0.1', { trusted: true, explicitlyAllowed: false })).toBeNull();
  });

  it('private networks are reachable only for hosts an allow-list names, never under unrestricted', () => {
    expect(addressRefusal('10.0.0.5', { trusted: false, explicitlyAllowed: true })).toBeNull();
    expect(addressRefusal('10.0.0.5', { trusted: false, explicitlyAllowed: false })).toBe('a private address');
    expect(addressRefusal('8.8.8.8', { trusted: false, explicitlyAllowed: false })).toBeNull();
  });
});
