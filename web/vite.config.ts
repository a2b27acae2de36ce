import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev --workspace=web` serves the front end with hot reload and sends the API paths to a
// running entry point (npm start), so the browser sees one origin, as it does in production.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '^/app-': process.env.ADBOARD_URL ?? 'http://127.0.0.1:8080' },
  },
});
