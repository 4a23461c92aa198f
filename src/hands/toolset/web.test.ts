import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { err, type HandsFixture, handsFixture } from '../../../test/escape/handsFixture.js';

let f: HandsFixture;
beforeAll(() => {
  f = handsFixture({ backend: 'bubblewrap' });
});
afterAll(() => f?.close());

describe('web tools before the egress proxy exists', () => {
  it('answer with a clear error and provision nothing', async () => {
    expect(err(await f.call('web_fetch', { url: 'https://example.com' }))).toBe(
      'web_fetch is not available: no egress proxy configured',
    );
    expect(err(await f.call('web_search', { query: 'bosun' }))).toBe(
      'web_search is disabled: no search provider configured',
    );
    expect(existsSync(join(f.dataDir, 'hands', f.session.sessionId, 'workspace'))).toBe(false);
  });

  it('an unknown tool is an error result', async () => {
    expect(err(await f.call('teleport', {}))).toBe('teleport: no such tool in this environment');
  });
});
