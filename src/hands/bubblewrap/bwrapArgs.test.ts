import { describe, expect, it } from 'vitest';
import { bwrapArgs, sandboxEnv } from './bwrapArgs.js';

const view = {
  systemBinds: ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin'],
  etcDir: '/d/hands/.sandbox-etc-1234',
  workspace: '/d/hands/sesn_1/workspace',
  workdir: '/workspace',
  home: '/home/agent',
  env: sandboxEnv('/workspace', '/home/agent'),
  limits: { tmpBytes: 1024, homeBytes: 512 },
};

/** Pins the isolation flags: a refactor that drops one must fail here, not in production. */
describe('bwrapArgs', () => {
  it('unshares every namespace, drops to uid 1000 without nested user namespaces, and dies with its parent', () => {
    const args = bwrapArgs(view).join(' ');
    expect(args).toContain(
      '--unshare-all --unshare-user --disable-userns --uid 1000 --gid 1000 --cap-drop ALL --die-with-parent --new-session',
    );
    expect(args).toContain('--clearenv');
    expect(args).not.toContain('--share-net');
  });

  it('shows read-only system files, generated /etc files, private size-capped tmpfs mounts and one writable workspace', () => {
    const args = bwrapArgs(view);
    const joined = args.join(' ');
    expect(joined).toContain('--ro-bind /usr /usr --symlink usr/bin /bin');
    expect(joined).toContain('--ro-bind /d/hands/.sandbox-etc-1234 /etc');
    expect(joined).toContain('--size 1024 --tmpfs /tmp --size 1024 --tmpfs /dev/shm --size 512 --tmpfs /home/agent');
    expect(joined).toContain('--bind /d/hands/sesn_1/workspace /workspace');
    expect(args.filter((a) => a === '--bind')).toHaveLength(1);
    expect(joined.endsWith('--remount-ro / --remount-ro /dev --chdir /workspace')).toBe(true);
  });

  it('sets only the sandbox environment', () => {
    const args = bwrapArgs(view);
    const set = args.flatMap((a, i) => (a === '--setenv' ? [args[i + 1]] : []));
    expect(set.sort()).toEqual(['HOME', 'LANG', 'LOGNAME', 'PATH', 'PWD', 'SHELL', 'TERM', 'TMPDIR', 'USER']);
  });

  it('binds the egress socket directory read-only when the hook provides one', () => {
    expect(bwrapArgs({ ...view, egressSocketDir: '/run/bosun-egress/s1' }).join(' ')).toContain(
      '--ro-bind /run/bosun-egress/s1 /run/bosun',
    );
  });

  it("binds the environment's package layer read-only, never writable", () => {
    const args = bwrapArgs({ ...view, packageLayerDir: '/d/hands/layers/abc' });
    expect(args.join(' ')).toContain('--ro-bind /d/hands/layers/abc /opt/bosun/layer');
    expect(args.filter((a) => a === '--bind')).toHaveLength(1);
  });
});
