import { describe, expect, it } from 'vitest';
import { describeSpec, packageSpecOf, specHash } from './packageSpec.js';

const config = (packages: Record<string, unknown>) => ({ type: 'cloud', packages: { type: 'packages', ...packages } });

describe('packageSpecOf', () => {
  it('is null when nothing is listed, as in a retrieved environment', () => {
    expect(packageSpecOf({ type: 'self_hosted' })).toBeNull();
    expect(packageSpecOf(config({ apt: [], npm: [], pip: [], cargo: [], gem: [], go: [] }))).toBeNull();
  });

  it('accepts each manager’s version forms', () => {
    const spec = packageSpecOf(
      config({
        apt: ['jq', 'jq=1.6-2.1', 'libc6:amd64', 'curl/bookworm-backports', 'libfoo=1:2.0~rc1+dfsg-1'],
        npm: ['lodash@4.17.21', '@types/node@^20', 'typescript@next', 'left-pad@>=1 <2'],
        pip: ['requests==2.31.0', 'numpy>=1.26,<2', 'black[jupyter]~=24.1', 'pandas'],
        cargo: ['ripgrep@14.1.0', 'fd-find'],
        gem: ['rails:7.1.3', 'nokogiri'],
        go: ['golang.org/x/tools/cmd/goimports@v0.20.0', 'github.com/junegunn/fzf'],
      }),
    );
    expect(spec?.npm).toEqual(['@types/node@^20', 'left-pad@>=1 <2', 'lodash@4.17.21', 'typescript@next']);
    expect(describeSpec(spec ?? ({} as never))).toBe('apt: 5, npm: 4, pip: 4, gem: 2, cargo: 2, go: 2');
  });

  it.each([
    ['npm', '-g'],
    ['npm', 'file:../x'],
    ['npm', 'https://example.com/x.tgz'],
    ['npm', 'github:user/repo'],
    ['apt', '-oAPT::Update::Pre-Invoke::=id'],
    ['apt', './local.deb'],
    ['pip', '--index-url=http://evil'],
    ['pip', 'pkg @ https://example.com/pkg.whl'],
    ['cargo', '--git=https://example.com/x'],
    ['gem', '-v'],
    ['go', 'fmt'],
  ])('refuses %s %j', (manager, item) => {
    expect(() => packageSpecOf(config({ [manager]: [item] }))).toThrow(
      new RegExp(`config\\.packages\\.${manager}\\[0\\]`),
    );
  });
});

describe('specHash', () => {
  it('depends on the package set, not its order or duplicates', () => {
    const a = packageSpecOf(config({ npm: ['b', 'a'], apt: ['jq'] }));
    const b = packageSpecOf(config({ apt: ['jq', 'jq'], npm: ['a', 'b'] }));
    const c = packageSpecOf(config({ npm: ['a', 'b@2'], apt: ['jq'] }));
    if (!a || !b || !c) throw new Error('expected specs');
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).not.toBe(specHash(c));
    expect(specHash(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});
