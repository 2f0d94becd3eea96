/**
 * The console's Vite config (docs/console.md). `ensureConsoleBuild` (src/local/console-assets.ts)
 * builds with it into dist/console; `npx vite console` serves the sources with hot reload, forwarding
 * API calls to local mode (PROMPTOPS_CONSOLE_API, default http://127.0.0.1:4100).
 */
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const api = process.env.PROMPTOPS_CONSOLE_API ?? 'http://127.0.0.1:4100';
const forward = { target: api, changeOrigin: true };

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build works under <api>/console/ and under `promptops console`.
  base: './',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    target: 'es2022',
    emptyOutDir: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/console/settings.json': forward,
      '^/(prompts|environments|audit|feedback|_local)': forward,
    },
  },
});
