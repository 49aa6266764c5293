/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const THEME_COLOUR = '#1f4e5f'
const BACKGROUND_COLOUR = '#f6f4ef'

/**
 * main.tsx imports the UI lazily so it can start reading IndexedDB first; a
 * modulepreload link lets the browser fetch and compile that chunk alongside
 * the entry instead of only once the entry has run.
 */
function preloadUiChunk(): Plugin {
  return {
    name: 'pii:preload-ui-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const chunk = Object.values(context.bundle ?? {}).find(
          (output) => output.type === 'chunk' && output.facadeModuleId?.endsWith('/src/ui/mount.tsx'),
        )
        if (!chunk) throw new Error('pii:preload-ui-chunk: no chunk for src/ui/mount.tsx; did main.tsx stop importing it?')
        return [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${chunk.fileName}` }, injectTo: 'head' }]
      },
    },
  }
}

export default defineConfig(({ isSsrBuild }) => {
  if (isSsrBuild) {
    // `vite build --ssr`: the Node entry points (server), bundled for `npm start`.
    return {
      build: {
        ssr: true,
        copyPublicDir: false,
        outDir: 'dist/server',
        emptyOutDir: true,
        target: 'node20',
        rollupOptions: { input: { start: 'src/server/start.ts', relay: 'src/server/relayMain.ts', node: 'src/node/main.ts' } },
      },
    }
  }
  return {
    build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022' },
    plugins: [
      react(),
      preloadUiChunk(),
      VitePWA({
        strategies: 'injectManifest',
        srcDir: 'src/sw',
        filename: 'sw.ts',
        // main.tsx registers the worker itself, with workbox-window.
        injectRegister: false,
        injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'] },
        manifest: {
          name: 'Pii — Personal Internet Infrastructure',
          short_name: 'Pii',
          description: 'Your data on your own devices, synced directly between them, working with no network.',
          start_url: '/',
          scope: '/',
          display: 'standalone',
          theme_color: THEME_COLOUR,
          background_color: BACKGROUND_COLOUR,
          icons: [
            { src: '/icons/pii-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
            { src: '/icons/pii-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
            { src: '/icons/pii-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          ],
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
      // Tests here are CPU-bound (crypto, thousands of envelopes, simulations), not waits: on a 2-core machine running
      // the e2e browsers beside them, one that takes 4 s alone takes 10. Vitest's 5 s default would fail them for it.
      testTimeout: 60_000,
      // Vitest's default is one worker per core but one, so a single one here: the longest files mostly wait on timers
      // (relay silence, rate limits), so three workers on two cores still gain (one: ~190 s; two: ~145 s; three: ~124 s;
      // four: ~118 s, with every file's imports paid once more).
      maxWorkers: 3,
    },
  }
})
