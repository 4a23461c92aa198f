import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateMasterKey,
  loadMasterKeyring,
  MASTER_KEY_FILE,
  masterKeyId,
  MasterKeyError,
  parseMasterKey,
} from './masterKey.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-mk-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadMasterKeyring', () => {
  it('creates <dataDir>/master.key with mode 0600 on first start and reads it afterwards', () => {
    const dataDir = tempDir();
    const first = loadMasterKeyring({ dataDir });
    expect(first.created).toBe(true);
    const file = join(dataDir, MASTER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadMasterKeyring({ dataDir });
    expect(second.created).toBe(false);
    expect(second.keyring.current.id).toBe(first.keyring.current.id);
    expect(second.warnings).toEqual([]);
  });

  it('warns when the key file is readable by others', () => {
    const dataDir = tempDir();
    loadMasterKeyring({ dataDir });
    chmodSync(join(dataDir, MASTER_KEY_FILE), 0o644);
    expect(loadMasterKeyring({ dataDir }).warnings).toEqual([expect.stringContaining('chmod 600')]);
  });

  it('prefers BOSUN_MASTER_KEY and then creates no file', () => {
    const dataDir = tempDir();
    const text = generateMasterKey();
    const { keyring, created } = loadMasterKeyring({ dataDir, masterKey: text });
    expect(created).toBe(false);
    expect(keyring.current.id).toBe(masterKeyId(Buffer.from(text, 'base64')));
    expect(() => statSync(join(dataDir, MASTER_KEY_FILE))).toThrow();
  });

  it('takes previous keys, dropping duplicates and the current one', () => {
    const current = generateMasterKey();
    const old = generateMasterKey();
    const { keyring } = loadMasterKeyring({
      dataDir: tempDir(),
      masterKey: current,
      previousMasterKeys: [old, old, current],
    });
    expect(keyring.previous.map((key) => key.id)).toEqual([parseMasterKey(old, 'x').id]);
  });

  it.each([
    ['not base64 !!', /not base64/],
    [Buffer.alloc(16).toString('base64'), /32 bytes, got 16/],
    ['', /not base64/],
  ])('rejects a malformed key %j', (text, message) => {
    expect(() => loadMasterKeyring({ dataDir: tempDir(), masterKey: text || ' ' })).toThrow(message);
  });

  it('rejects a malformed key file instead of replacing it', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, MASTER_KEY_FILE), 'short\n', { mode: 0o600 });
    expect(() => loadMasterKeyring({ dataDir })).toThrow(MasterKeyError);
    expect(readFileSync(join(dataDir, MASTER_KEY_FILE), 'utf8')).toBe('short\n');
  });

  it('accepts base64url and derives ids that do not reveal the key', () => {
    const key = Buffer.alloc(32, 0xfb);
    const parsed = parseMasterKey(key.toString('base64url'), 'x');
    expect(parsed.key.equals(key)).toBe(true);
    expect(parsed.id).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(parsed.id).not.toContain(key.toString('hex').slice(0, 8));
  });
});
