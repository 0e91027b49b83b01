// @ts-check
/**
 * Two projects: `unit` (*.test.ts, no I/O) and `int` (*.int.test.ts, real Postgres and Redis).
 * `@cp/*` packages map to their sources so tests need no build.
 */
const fs = require('node:fs');
const path = require('node:path');

/** @returns {Record<string, string>} */
function workspaceSources() {
  /** @type {Record<string, string>} */
  const map = {};
  for (const group of ['libs', 'services', 'clients']) {
    const dir = path.join(__dirname, group);
    if (!fs.existsSync(dir)) {
      continue;
    }
    for (const entry of fs.readdirSync(dir)) {
      const pkgFile = path.join(dir, entry, 'package.json');
      if (fs.existsSync(pkgFile)) {
        const { name } = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
        map[`^${name}$`] = `<rootDir>/${group}/${entry}/src/index.ts`;
      }
    }
  }
  return map;
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config['projects'][number]} */
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: workspaceSources(),
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.test.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      testTimeout: 30_000,
    },
  ],
};
