import { describe, expect, it } from 'vitest';
import { holderIsDead } from './worker.js';
import { hostname } from 'node:os';

describe('holderIsDead', () => {
  it('takes over only leases of processes of this host that are gone', () => {
    expect(holderIsDead(`${hostname()}:${process.pid}:w`)).toBe(false);
    expect(holderIsDead(`${hostname()}:${process.ppid}:w`)).toBe(false);
    expect(holderIsDead(`${hostname()}:2147483646:w`)).toBe(true);
    expect(holderIsDead('some-other-host:2147483646:w')).toBe(false);
    expect(holderIsDead('garbage')).toBe(false);
  });
});
