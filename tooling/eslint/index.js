import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The shared lint rules. Each package's eslint.config.js spreads this and may add
 * `restrictImports(...)` to enforce the dependency rules of docs/architecture.md.
 */
export const base = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/only-throw-error': 'off',
      // A value that must exist is narrowed with a check that names it, so a broken assumption
      // fails with a clear error instead of a later TypeError.
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  // Tests read JSON response bodies, which are untyped by nature (the harness checks them against
  // the OpenAPI document instead).
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  // Config files are plain JS outside the TypeScript projects.
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);

/** Forbid importing packages a layer must not depend on. */
export function restrictImports(...names) {
  return {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: names.map((group) => ({
            group: [group, `${group}/*`],
            message: 'Breaks the dependency rules in docs/architecture.md.',
          })),
        },
      ],
    },
  };
}

export default base;
