import { describe, expect, it } from 'vitest';
import type { SecretScope } from '../../core/vault.js';
import { memoryDataKeys, VaultKeyError } from './dataKeyStore.js';
import { EnvelopeVault } from './envelopeVault.js';
import { generateMasterKey, parseMasterKey, type MasterKey } from './masterKey.js';

const newKey = (): MasterKey => parseMasterKey(generateMasterKey(), 'test key');
const scope = (field = 'token', credentialId = 'vcrd_1', vaultId = 'vlt_1'): SecretScope => ({
  vaultId,
  credentialId,
  field,
});

function setup(vaultIds = ['vlt_1', 'vlt_2']) {
  const dataKeys = memoryDataKeys();
  for (const id of vaultIds) dataKeys.vaults.set(id, null);
  const master = newKey();
  return { dataKeys, master, vault: new EnvelopeVault({ current: master, previous: [] }, dataKeys) };
}

describe('EnvelopeVault', () => {
  it('seals and opens; the ciphertext holds no plaintext and differs every time', async () => {
    const { vault } = setup();
    const a = await vault.seal('s3cret-value', scope());
    const b = await vault.seal('s3cret-value', scope());
    expect(a.blob).not.toBe(b.blob);
    expect(Buffer.from(a.blob, 'base64').includes('s3cret-value')).toBe(false);
    expect(a.blob).not.toContain('s3cret-value');
    expect(await vault.open(a, scope())).toBe('s3cret-value');
  });

  it('creates one data key per vault, on first use, wrapped by the master key', async () => {
    const { vault, dataKeys, master } = setup();
    expect(dataKeys.vaults.get('vlt_1')).toBeNull();
    const one = await vault.seal('x', scope());
    const again = await vault.seal('y', scope('token', 'vcrd_2'));
    const other = await vault.seal('z', scope('token', 'vcrd_3', 'vlt_2'));
    expect(one.keyId).toBe(again.keyId);
    expect(other.keyId).not.toBe(one.keyId);
    expect(dataKeys.vaults.get('vlt_1')).toMatchObject({ id: one.keyId, masterKeyId: master.id });
  });

  it('binds a secret to its vault, credential and field', async () => {
    const { vault } = setup();
    const sealed = await vault.seal('x', scope('token', 'vcrd_1'));
    await expect(vault.open(sealed, scope('access_token', 'vcrd_1'))).rejects.toThrow(VaultKeyError);
    await expect(vault.open(sealed, scope('token', 'vcrd_2'))).rejects.toThrow(VaultKeyError);
    await vault.seal('y', scope('token', 'vcrd_9', 'vlt_2'));
    await expect(vault.open(sealed, scope('token', 'vcrd_1', 'vlt_2'))).rejects.toThrow(VaultKeyError);
  });

  it('detects a tampered ciphertext', async () => {
    const { vault } = setup();
    const sealed = await vault.seal('x', scope());
    const bytes = Buffer.from(sealed.blob, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    await expect(vault.open({ ...sealed, blob: bytes.toString('base64') }, scope())).rejects.toThrow(
      /failed authentication/,
    );
  });

  it('fails to open with a wrong master key, naming the key ids and not the key', async () => {
    const { vault, dataKeys, master } = setup();
    const sealed = await vault.seal('x', scope());
    const wrong = newKey();
    const other = new EnvelopeVault({ current: wrong, previous: [] }, dataKeys);
    const error = await other.open(sealed, scope()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultKeyError);
    expect(String(error)).toContain(master.id);
    expect(String(error)).toContain(wrong.id);
    expect(String(error)).not.toContain(wrong.key.toString('base64'));
    await expect(other.rotateMasterKey()).rejects.toThrow(VaultKeyError);
  });

  it('fails to open a data key wrapped by a key with the right id but other bytes (tampered)', async () => {
    const { vault, dataKeys, master } = setup();
    const sealed = await vault.seal('x', scope());
    const stored = dataKeys.vaults.get('vlt_1')!;
    const bytes = Buffer.from(stored.wrapped, 'base64');
    bytes[0]! ^= 1;
    dataKeys.vaults.set('vlt_1', { ...stored, wrapped: bytes.toString('base64') });
    const fresh = new EnvelopeVault({ current: master, previous: [] }, dataKeys);
    await expect(fresh.open(sealed, scope())).rejects.toThrow(/data key of vault vlt_1 failed authentication/);
  });

  it('rotation rewraps every data key under the new master key; old secrets still open; the old key can go', async () => {
    const { vault, dataKeys, master: oldKey } = setup(['vlt_1', 'vlt_2', 'vlt_3']);
    const s1 = await vault.seal('one', scope('token', 'vcrd_1', 'vlt_1'));
    const s2 = await vault.seal('two', scope('token', 'vcrd_2', 'vlt_2'));
    const before = dataKeys.vaults.get('vlt_1')!;

    const newMaster = newKey();
    const rotating = new EnvelopeVault({ current: newMaster, previous: [oldKey] }, dataKeys);
    expect(await rotating.rotateMasterKey()).toEqual({ total: 2, rewrapped: 2 });
    const after = dataKeys.vaults.get('vlt_1')!;
    expect(after).toMatchObject({ id: before.id, masterKeyId: newMaster.id });
    expect(after.wrapped).not.toBe(before.wrapped);
    expect(await rotating.rotateMasterKey()).toEqual({ total: 2, rewrapped: 0 });

    // Only the new key now: every secret sealed before the rotation still opens.
    const rotated = new EnvelopeVault({ current: newMaster, previous: [] }, dataKeys);
    expect(await rotated.open(s1, scope('token', 'vcrd_1', 'vlt_1'))).toBe('one');
    expect(await rotated.open(s2, scope('token', 'vcrd_2', 'vlt_2'))).toBe('two');
    // …and the old key alone no longer opens anything.
    const stale = new EnvelopeVault({ current: oldKey, previous: [] }, dataKeys);
    await expect(stale.open(s1, scope('token', 'vcrd_1', 'vlt_1'))).rejects.toThrow(VaultKeyError);
  });

  it('rotation survives a concurrent change of the vault record', async () => {
    const { vault, dataKeys, master: oldKey } = setup(['vlt_1']);
    const sealed = await vault.seal('one', scope());
    const newMaster = newKey();
    let raced = false;
    const racing = {
      ...dataKeys,
      async swap(
        vaultId: string,
        expected: Parameters<typeof dataKeys.swap>[1],
        next: Parameters<typeof dataKeys.swap>[2],
      ) {
        if (!raced) {
          raced = true;
          return false; // as if the API had just renamed the vault
        }
        return dataKeys.swap(vaultId, expected, next);
      },
    };
    const rotating = new EnvelopeVault({ current: newMaster, previous: [oldKey] }, racing);
    expect(await rotating.rotateMasterKey()).toEqual({ total: 1, rewrapped: 1 });
    expect(await new EnvelopeVault({ current: newMaster, previous: [] }, dataKeys).open(sealed, scope())).toBe('one');
  });

  it('two vaults racing to create a data key agree on one', async () => {
    const dataKeys = memoryDataKeys();
    dataKeys.vaults.set('vlt_1', null);
    const master = newKey();
    const a = new EnvelopeVault({ current: master, previous: [] }, dataKeys);
    const b = new EnvelopeVault({ current: master, previous: [] }, dataKeys);
    const [sa, sb] = await Promise.all([a.seal('a', scope('token', 'vcrd_a')), b.seal('b', scope('token', 'vcrd_b'))]);
    expect(sa.keyId).toBe(sb.keyId);
    expect(await b.open(sa, scope('token', 'vcrd_a'))).toBe('a');
  });

  it('refuses unknown vaults and vaults without a data key', async () => {
    const { vault } = setup();
    await expect(vault.seal('x', scope('token', 'vcrd_1', 'vlt_missing'))).rejects.toThrow(/not found/);
    await expect(vault.open({ keyId: 'dk_x', blob: 'AQ==' }, scope())).rejects.toThrow(/no data key/);
  });
});
