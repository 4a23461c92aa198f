import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { VaultCreateParams, VaultUpdateParams } from '@anthropic-ai/sdk/resources/beta/vaults/vaults.js';
import {
  applyVaultUpdate,
  buildVaultBody,
  metadataSchema,
  vaultCreateSchema,
  vaultUpdateSchema,
  type VaultBody,
} from './vault.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type HeaderParams = 'betas' | 'workspace_id';

// Compile-time pins: every SDK request parses, every parsed body is a valid SDK request, and the
// field sets match exactly.
export type VaultPins = [
  Assert<Equals<keyof z.input<typeof vaultCreateSchema>, keyof Omit<VaultCreateParams, HeaderParams>>>,
  Assert<Equals<keyof z.input<typeof vaultUpdateSchema>, keyof Omit<VaultUpdateParams, HeaderParams>>>,
  Assert<Omit<VaultCreateParams, HeaderParams> extends z.input<typeof vaultCreateSchema> ? true : false>,
  Assert<Omit<VaultUpdateParams, HeaderParams> extends z.input<typeof vaultUpdateSchema> ? true : false>,
  Assert<z.output<typeof vaultCreateSchema> extends VaultCreateParams ? true : false>,
  Assert<z.output<typeof vaultUpdateSchema> extends VaultUpdateParams ? true : false>,
];

describe('vaultCreateSchema', () => {
  it('builds a body with empty metadata by default', () => {
    expect(buildVaultBody(vaultCreateSchema.parse({ display_name: 'prod' }))).toEqual({
      display_name: 'prod',
      metadata: {},
    });
  });

  it.each([
    [{}, 'display_name missing'],
    [{ display_name: '' }, 'display_name empty'],
    [{ display_name: 'x'.repeat(256) }, 'display_name over 255'],
    [{ display_name: 'x', extra: true }, 'unknown field'],
    [{ display_name: 'x', metadata: { k: 'v'.repeat(513) } }, 'value over 512'],
    [{ display_name: 'x', metadata: { ['k'.repeat(65)]: 'v' } }, 'key over 64'],
  ])('rejects %j (%s)', (input, _why) => {
    expect(vaultCreateSchema.safeParse(input).success).toBe(false);
  });

  it('accepts 255 characters and 16 metadata pairs, not 17', () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(vaultCreateSchema.safeParse({ display_name: 'x'.repeat(255), metadata: pairs(16) }).success).toBe(true);
    expect(metadataSchema.safeParse(pairs(17)).success).toBe(false);
  });
});

describe('applyVaultUpdate', () => {
  const current: VaultBody = {
    display_name: 'old',
    metadata: { keep: '1', drop: '2' },
    data_key: { id: 'dk_1', masterKeyId: 'mk_1', wrapped: 'AAAA' },
  };

  it('renames, patches metadata (null deletes, "" is a value) and keeps the data key', () => {
    const next = applyVaultUpdate(
      current,
      vaultUpdateSchema.parse({ display_name: 'new', metadata: { drop: null, added: '' } }),
    );
    expect(next).toEqual({ display_name: 'new', metadata: { keep: '1', added: '' }, data_key: current.data_key });
  });

  it('keeps everything for an empty or all-null update', () => {
    expect(applyVaultUpdate(current, vaultUpdateSchema.parse({}))).toEqual(current);
    expect(applyVaultUpdate(current, vaultUpdateSchema.parse({ display_name: null, metadata: null }))).toEqual(current);
  });
});
