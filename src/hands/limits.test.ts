import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, formatBytes, resolveLimits, rlimitScript } from './limits.js';

describe('limits', () => {
  it('always sets the file size, open files and core rlimits, and the fallbacks only when asked', () => {
    const limits = resolveLimits({
      fileSizeBytes: 8 * 1024 * 1024,
      openFiles: 64,
      pids: 32,
      memoryBytes: 64 * 1024 * 1024,
    });
    expect(rlimitScript(limits, { nproc: false, memory: false }).split('\n')).toEqual([
      'ulimit -f 8192 2>/dev/null',
      'ulimit -n 64 2>/dev/null',
      'ulimit -c 0 2>/dev/null',
    ]);
    expect(rlimitScript(limits, { nproc: true, memory: true })).toContain(
      'ulimit -u 32 2>/dev/null\nulimit -d 65536 2>/dev/null',
    );
  });

  it('rejects nonsense and formats sizes for messages', () => {
    expect(() => resolveLimits({ pids: -1 })).toThrow(/pids/);
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    expect(formatBytes(1024 ** 3)).toBe('1 GiB');
    expect(formatBytes(96 * 1024 * 1024)).toBe('96 MiB');
  });
});
