// Vite build of the monitoring page: web-ui/*.html → web-ui/dist/, with the JS and CSS inlined into each page.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Inlines the entry script and stylesheet of every emitted HTML page, so each page is one self-contained file: it
 * loads offline, and it works when the daemon lets only the page URL through (`/?token=…`: asset URLs carry no token).
 * Only entry chunks without imports are inlined (the build has no code splitting); anything else is left as a file.
 */
function inlineAssets(): Plugin {
  return {
    name: 'quietband-inline-assets',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const inlined = new Set<string>();
      const fileOf = (url: string): string => url.replace(/^(\.\/|\/)/, '');
      for (const [name, item] of Object.entries(bundle)) {
        if (item.type !== 'asset' || !name.endsWith('.html')) continue;
        let html = typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source);
        html = html.replace(/<script type="module" crossorigin src="([^"]+)"><\/script>/g, (tag, src: string) => {
          const chunk = bundle[fileOf(src)];
          if (chunk === undefined || chunk.type !== 'chunk' || chunk.imports.length > 0) return tag;
          inlined.add(chunk.fileName);
          return `<script type="module">${chunk.code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
        });
        html = html.replace(/<link rel="stylesheet" crossorigin href="([^"]+)">/g, (tag, href: string) => {
          const css = bundle[fileOf(href)];
          if (css === undefined || css.type !== 'asset') return tag;
          inlined.add(css.fileName);
          const text = typeof css.source === 'string' ? css.source : new TextDecoder().decode(css.source);
          return `<style>${text.replace(/<\/(style)/gi, '<\\/$1')}</style>`;
        });
        item.source = html;
      }
      for (const f of inlined) delete bundle[f];
    },
  };
}

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  plugins: [inlineAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), login: fileURLToPath(new URL('login.html', import.meta.url)) },
    },
  },
});
