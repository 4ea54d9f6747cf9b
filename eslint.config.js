// ESLint: typescript-eslint's type-aware recommended rules (floating promises, unsafe `any`),
// with Prettier owning the layout (eslint-config-prettier turns off the rules it decides).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'data/**', 'data-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // An async function that awaits nothing still answers a promise, which is what the interfaces
      // it implements ask for (repositories, stores, fakes of the driver); no-floating-promises and
      // no-misused-promises catch the mistakes this rule is a proxy for.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read answers off the wire: supertest types a response body as `any`, and the assertions
    // on it are the check. src/, scripts/ and bench/ keep every unsafe-`any` rule.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['src/web/public/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['*.js', 'scripts/**/*.js'], languageOptions: { globals: globals.node } },
  prettier,
  {
    // After eslint-config-prettier, which turns max-len off: Prettier wraps code at 160, and this holds
    // comments to it too. A message or a quotation may run longer rather than be cut into pieces nobody can grep for.
    rules: { 'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }] },
  },
);
