// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Test files may also import @cp/testing and service roots. */
const TESTS = ['**/*.test.ts'];

/** Packages each workspace may import (STYLE.md §1). */
const restrictedImports = (extra = []) => ({
  patterns: [
    {
      group: ['@cp/*/src', '@cp/*/src/**', '@cp/*/dist/**'],
      message: 'Import a package by its root (@cp/db), never its files.',
    },
    ...extra,
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'reports/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-console': 'error',
      'no-restricted-imports': ['error', restrictedImports()],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment only in config.ts.' },
      ],
    },
  },
  {
    // Where the environment may be read (STYLE.md §7).
    files: ['**/config.ts', 'libs/testing/**', 'libs/db/src/cli.ts', 'bench/**', '*.js', '*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['libs/contracts/**'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        restrictedImports([
          {
            group: ['@cp/*', 'typeorm', 'bullmq', 'ioredis', 'pg', 'express'],
            message: '@cp/contracts takes zod only.',
          },
        ]),
      ],
    },
  },
  {
    files: ['libs/db/**'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        restrictedImports([
          {
            group: ['@cp/queue', '@cp/testing', 'bullmq', 'ioredis', 'express'],
            message: '@cp/db adds typeorm and pg only.',
          },
        ]),
      ],
    },
  },
  {
    files: ['libs/queue/**'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        restrictedImports([
          {
            group: ['@cp/db', '@cp/testing', 'typeorm', 'pg', 'express'],
            message: '@cp/queue adds bullmq and ioredis only.',
          },
        ]),
      ],
    },
  },
  {
    files: [
      'services/api/**',
      'services/registry-worker/**',
      'services/cascade-worker/**',
      'services/admin/**',
    ],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        restrictedImports([
          {
            group: [
              '@cp/api',
              '@cp/registry-worker',
              '@cp/cascade-worker',
              '@cp/admin',
              '@cp/combined',
            ],
            message: 'A service never imports another service.',
          },
        ]),
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
