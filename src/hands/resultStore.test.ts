import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultStore, safeName } from './resultStore.js';

const root = mkdtempSync(join(tmpdir(), 'bosun-results-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ResultStore', () => {
  it('records a result atomically and reads it back from a fresh instance', async () => {
    const result = { content: [{ type: 'text' as const, text: 'hi' }], isError: false };
    await new ResultStore(root).write('sesn_a', 'sevt_1', 'bash', result);
    expect(await new ResultStore(root).read('sesn_a', 'sevt_1')).toEqual(result);
    expect(await new ResultStore(root).read('sesn_a', 'sevt_2')).toBeNull();
    expect(readdirSync(join(root, 'sesn_a', 'results'))).toEqual(['sevt_1.json']);
  });

  it('tracks calls that started and clears the marker once recorded', async () => {
    const store = new ResultStore(root);
    await store.markStarted('sesn_a', 'sevt_3');
    expect(await store.wasStarted('sesn_a', 'sevt_3')).toBe(true);
    await store.write('sesn_a', 'sevt_3', 'bash', { content: [], isError: true });
    expect(await store.wasStarted('sesn_a', 'sevt_3')).toBe(false);
  });

  it('turns ids that are not plain names into hashes, so no id can address another path', () => {
    expect(safeName('sesn_ABC-1')).toBe('sesn_ABC-1');
    expect(safeName('../../etc')).toMatch(/^h_[0-9a-f]{64}$/);
    expect(safeName('')).toMatch(/^h_/);
  });
});
