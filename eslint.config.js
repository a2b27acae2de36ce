import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Test helpers stay out of production code; only tests (and the helpers themselves) import them. */
const noTestHelpers = {
  group: ['@adboard/kit/testing', '**/testing', '**/testing/*'],
  message: 'Test helpers are for tests only.',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'postman/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts', 'packages/kit/src/testing/**/*.ts', 'deploy/tools/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['app-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noTestHelpers,
            {
              group: ['@adboard/app-*'],
              message: 'A service does not import another service; shared facts live in @adboard/contracts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/kit/src/testing/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTestHelpers] }] },
  },
);
