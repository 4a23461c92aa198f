// Dependency direction, enforced by `npm run check` (see CONTRIBUTING.md):
//
//   protocol ← core ← {store, brain, models, hands, vault, api} ← server ← cli
//
// Inner layers never import outer ones. The middle layers meet only through the ports in
// `core`: the API reaches the brain through `wake`, the brain reaches stores and sandboxes
// through `SessionLog`/`Hands`, hands reach credentials through `Vault`. Only `server` (the
// composition root) wires concrete adapters together.
const LAYERS = 'protocol|core|store|brain|models|hands|vault|api|server|cli';
const TEST_FILE = '\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A runtime cycle means two modules are one idea or a port is missing; break it with a port in core. ' +
        'Cycles made only of `import type` are allowed: they cannot change load order.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Imports a module that does not resolve (a typo, or a package missing from package.json).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'Imports an npm package that is not a direct dependency (it only works by hoisting luck).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'Shipped code imports a devDependency, which `npm install --omit=dev` leaves out.',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Shipped code imports from test/.',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: '^test/' },
    },
    {
      name: 'unknown-layer',
      severity: 'error',
      comment: `Every folder under src/ is a layer (${LAYERS}); add a new one to .dependency-cruiser.cjs and CONTRIBUTING.md first.`,
      from: {},
      to: { path: `^src/(?!(${LAYERS})/)` },
    },

    // ---- protocol: the wire contract. zod schemas and SDK types, nothing else, no I/O. ----------
    {
      name: 'protocol-is-the-innermost-layer',
      severity: 'error',
      comment:
        'protocol imports only itself and packages (zod, SDK types, uuid for ids); no node: built-ins, no other layer.',
      from: { path: '^src/protocol/' },
      to: { pathNot: ['^src/protocol/', '(^|/)node_modules/'] },
    },
    {
      name: 'protocol-packages',
      severity: 'error',
      comment: 'protocol may import zod, @anthropic-ai/sdk types and uuid (ids.ts); its tests also vitest.',
      from: { path: '^src/protocol/' },
      to: {
        path: '(^|/)node_modules/',
        pathNot: [
          '(^|/)node_modules/zod/',
          '(^|/)node_modules/@anthropic-ai/sdk/',
          '(^|/)node_modules/uuid/',
          '(^|/)node_modules/(vitest|@vitest)/',
        ],
      },
    },
    {
      name: 'protocol-sdk-types-only',
      severity: 'error',
      comment: 'protocol uses the SDK for its types only (`import type`): the wire shapes, never its client.',
      from: { path: '^src/protocol/' },
      to: { path: '(^|/)node_modules/@anthropic-ai/sdk/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'protocol-vitest-only-in-tests',
      severity: 'error',
      from: { path: '^src/protocol/', pathNot: TEST_FILE },
      to: { path: '(^|/)node_modules/(vitest|@vitest)/' },
    },

    // ---- core: the ports and the error catalogue. No I/O. --------------------------------------
    {
      name: 'core-imports-only-protocol',
      severity: 'error',
      comment: 'core imports only core and protocol (and npm types); no node: built-ins, no adapters.',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/(core|protocol)/', '(^|/)node_modules/'] },
    },
    {
      name: 'core-no-runtime-packages',
      severity: 'error',
      comment: 'core may take types from packages (`import type`) but must not run their code; tests may use vitest.',
      from: { path: '^src/core/' },
      to: {
        path: '(^|/)node_modules/',
        pathNot: '(^|/)node_modules/(vitest|@vitest)/',
        dependencyTypesNot: ['type-only'],
      },
    },

    // ---- the middle layers: adapters, brain and API meet only through core ----------------------
    {
      name: 'inner-not-to-server-or-cli',
      severity: 'error',
      comment: 'Only server (the composition root) and cli are outer; nothing inside imports them.',
      from: { path: '^src/(protocol|core|store|brain|models|hands|vault|api)/' },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'server-not-to-cli',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'api-only-through-ports',
      severity: 'error',
      comment: 'The API sees stores through core ports and reaches the brain only through `wake`.',
      from: { path: '^src/api/' },
      to: { path: '^src/(store|brain|models|hands|vault)/' },
    },
    {
      name: 'brain-only-through-ports',
      severity: 'error',
      comment: 'The brain sees stores, sandboxes and credentials only through core ports (SessionLog, Hands, Vault).',
      from: { path: '^src/brain/' },
      to: { path: '^src/(store|api|hands|vault)/' },
    },
    {
      name: 'adapters-are-siblings',
      severity: 'error',
      comment:
        'An adapter (store, models, hands, vault) never imports another adapter, the brain or the API; ' +
        'e.g. hands reach credentials only through the Vault port in core.',
      from: { path: '^src/(store|models|hands|vault)/' },
      to: { path: '^src/(store|brain|models|hands|vault|api)/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    // `import type` counts: a type from an outer layer couples as much as a value does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
