// Builds the page into dist/, which `tandem serve --web-root web/dist`
// serves. Assets get content hashes in their names (dist/assets/), so the
// server lets browsers cache them for good.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    // `npm run dev` serves the page with hot reload and forwards the API to
    // a server started with `make run`.
    proxy: {
      '/v1': 'http://127.0.0.1:8000',
      '/connection': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
});
