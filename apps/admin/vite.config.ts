import { defineConfig } from 'vite';

/** In development the server runs beside Vite (`pnpm dev`); everything that is not the app goes to it. */
const server = process.env.ALLOT_DEV_SERVER ?? 'http://127.0.0.1:3000';
const proxied = ['/trpc', '/api', '/docs', '/script.js', '/collect', '/health'];

export default defineConfig({
  // No React plugin: esbuild compiles JSX with the automatic runtime, which is all the app needs
  // (no fast refresh; a change reloads the page).
  esbuild: { jsx: 'automatic' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Kept small on purpose (see test/bundle-size.test.ts); screens load as separate chunks.
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: server }])),
  },
});
