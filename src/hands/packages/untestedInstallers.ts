import { join } from 'node:path';
import type { Installer } from './installContext.js';
import { StepFailedError } from './runStep.js';

// pip, gem, cargo and go go through the same mechanism as npm and apt but are untested: their
// registries are unreachable from the machines Bosun is developed on (see docs/hands.md).

/** Wheels only: an sdist would run its build backend (arbitrary code) on the host. */
export const installPip: Installer = async (specs, ctx) => {
  const python = ctx.which('python3');
  if (!python)
    throw new StepFailedError('pip packages need python3 with pip on the server, and python3 is not installed');
  await ctx.run('pip (is it installed?)', [python, '-m', 'pip', '--version']);
  const target = ctx.mkdir(join(ctx.staging, 'pip'));
  await ctx.run('pip install', [
    python,
    '-m',
    'pip',
    'install',
    '--target',
    target,
    '--only-binary=:all:',
    '--no-input',
    '--disable-pip-version-check',
    '--no-warn-script-location',
    ...specs,
  ]);
};

/** Native extensions (extconf.rb) are compiled on the host, as the unprivileged builder. */
export const installGem: Installer = async (specs, ctx) => {
  const gem = ctx.which('gem');
  if (!gem) throw new StepFailedError('gem packages need RubyGems (`gem`) on the server, and it is not installed');
  const dir = ctx.mkdir(join(ctx.staging, 'gem'));
  await ctx.run('gem install', [
    gem,
    'install',
    '--no-document',
    '--install-dir',
    dir,
    '--bindir',
    join(dir, 'bin'),
    ...specs,
  ]);
};

/** Build scripts (build.rs) and proc macros run on the host, as the unprivileged builder. */
export const installCargo: Installer = async (specs, ctx) => {
  const cargo = ctx.which('cargo');
  if (!cargo) throw new StepFailedError('cargo packages need cargo on the server, and it is not installed');
  const root = ctx.mkdir(join(ctx.staging, 'cargo'));
  await ctx.run('cargo install', [cargo, 'install', '--root', root, ...specs], {
    CARGO_HOME: join(ctx.home, 'cargo'),
  });
};

/** `go install` runs no package code at build time; an unversioned path gets `@latest`. */
export const installGo: Installer = async (specs, ctx) => {
  const go = ctx.which('go');
  if (!go) throw new StepFailedError('go packages need the Go toolchain (`go`) on the server, and it is not installed');
  const bin = ctx.mkdir(join(ctx.staging, 'go', 'bin'));
  const env = {
    GOBIN: bin,
    GOPATH: join(ctx.home, 'go'),
    GOCACHE: join(ctx.home, '.cache', 'go-build'),
    GOFLAGS: '-modcacherw',
  };
  for (const spec of specs)
    await ctx.run(`go install ${spec}`, [go, 'install', spec.includes('@') ? spec : `${spec}@latest`], env);
};
