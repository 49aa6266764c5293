// Lint rules for Pii. Lives in .ci/ to keep the repo's top level to the stack's
// fixed layout; `npm run lint` passes it with -c, so patterns resolve from the repo root.
import js from '@eslint/js'
import importX from 'eslint-plugin-import-x'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)))

const NODE_BUILTINS = { group: ['node:*'], message: 'Browser code must not import Node built-ins.' }

/** Layers a folder must not import from (type-only imports of ports are fine). One block per folder: a later block would replace, not extend, this rule. */
const layer = (from, forbidden, { browser }) => ({
  files: [`${from}/**/*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((target) => ({
            group: [`**/${target}/*`, `**/${target}/**`],
            allowTypeImports: true,
            message: `${from} must not import src/${target}: see the dependency direction in the README.`,
          })),
          ...(browser ? [NODE_BUILTINS] : []),
        ],
      },
    ],
  },
})

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/results/**', 'bench/scratch/**', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: repoRoot },
      globals: { ...globals.browser, ...globals.node },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': 'error',
      // Y.Text has its own toString; the rule cannot see it through Yjs's types.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['Text', 'YText', 'Error', 'RegExp', 'URL', 'URLSearchParams'] }],
    },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })] },
  },
  // Playwright fixtures must destructure their (possibly empty) dependencies.
  { files: ['e2e/**/*.ts'], rules: { 'no-empty-pattern': 'off' } },
  {
    files: ['src/ui/**/*.tsx', 'src/main.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  // Core is pure: time, network and storage reach it only through injected ports.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'requestAnimationFrame', 'queueMicrotask'].map((name) => ({
          name,
          message: 'Core code takes time from an injected Clock, so it runs the same in page, worker, node and tests.',
        })),
        ...['fetch', 'WebSocket', 'BroadcastChannel', 'XMLHttpRequest'].map((name) => ({
          name,
          message: 'Core code reaches the network only through an injected Transport.',
        })),
        ...['localStorage', 'sessionStorage', 'indexedDB', 'caches'].map((name) => ({
          name,
          message: 'Core code stores data only through an injected Store.',
        })),
        ...['window', 'document', 'navigator', 'location', 'process'].map((name) => ({
          name,
          message: 'Core code runs in every runtime and must not touch one runtime’s globals.',
        })),
      ],
    },
  },
  layer('src/core', ['sync', 'storage', 'ui', 'server', 'sw', 'platform'], { browser: true }),
  // Small runtime helpers shared by sync and storage; they import nothing of ours.
  layer('src/platform', ['core', 'sync', 'storage', 'ui', 'server', 'sw'], { browser: true }),
  layer('src/sync', ['ui', 'server', 'sw', 'storage'], { browser: true }),
  layer('src/storage', ['sync', 'ui', 'server', 'sw'], { browser: true }),
  layer('src/ui', ['server', 'sw', 'sync', 'storage'], { browser: true }),
  layer('src/sw', ['ui', 'server'], { browser: true }),
  layer('src/server', ['ui', 'sw'], { browser: false }),
  // The personal node: a Node process that is one of the person's devices.
  layer('src/node', ['ui', 'sw'], { browser: false }),
)
