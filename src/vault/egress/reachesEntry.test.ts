import { describe, expect, it } from 'vitest';
import { parseHostRule } from './hostRules.js';
import { reachesEntry } from './routing.js';

const rules = (...entries: string[]) => entries.flatMap((entry) => parseHostRule(entry, 'allowed_hosts') ?? []);

describe('reachesEntry (a credential host against the environment policy)', () => {
  it('answers whether the policy lets the sandbox reach some host the entry names', () => {
    const policy = rules('api.example.com:8443', '*.corp.test', '192.0.2.1');
    expect(reachesEntry(policy, 'api.example.com')).toBe(true); // on some port
    expect(reachesEntry(policy, 'x.corp.test')).toBe(true);
    expect(reachesEntry(policy, 'corp.test')).toBe(false);
    expect(reachesEntry(policy, '*.corp.test')).toBe(true);
    expect(reachesEntry(policy, '*.a.corp.test')).toBe(true);
    expect(reachesEntry(policy, '*.test')).toBe(true); // x.corp.test is both
    expect(reachesEntry(policy, '*.example.com')).toBe(true); // api.example.com is both
    expect(reachesEntry(policy, '*.other.test')).toBe(false);
    expect(reachesEntry(policy, '192.0.2.1')).toBe(true);
    expect(reachesEntry(policy, 'evil.test')).toBe(false);
    expect(reachesEntry(policy, 'not a host')).toBe(false);
    expect(reachesEntry('unrestricted', 'anything.test')).toBe(true);
    expect(reachesEntry([], 'api.example.com')).toBe(false);
  });
});
