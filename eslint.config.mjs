// @ts-check
import eslint from '@eslint/js';
import prettierConfig from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      // the packed-install consumer app's own install and build output, when run by hand
      'test/package/consumer-app/dist/**',
      'test/package/consumer-app/node_modules/**',
    ],
  },
  {
    files: ['lib/**/*.ts', 'test/**/*.ts', 'sample-app/**/*.ts', 'harness/**/*.ts', 'bench/**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommended, prettierConfig],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
