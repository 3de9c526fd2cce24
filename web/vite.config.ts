import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

// noDataFonts drops the one font Bootstrap Italia's CSS embeds as a data:
// URL (Video.js's icons): the strict content policy refuses data: fonts,
// and the apps show no video.
function noDataFonts(): Plugin {
  return {
    name: 'stanza-no-data-fonts',
    // Vite has inlined the @imports by now, so the face is in the app's CSS.
    transform(code, id) {
      if (!id.endsWith('.css')) return null
      return { code: code.replace(/@font-face\s*\{\s*font-family:\s*VideoJS;[^}]*\}/g, ''), map: null }
    },
  }
}

// Two pages: the citizens' app at the portal's root and the operators' back
// office. The output in dist/ is embedded by the local server (web.go) and
// uploaded to S3 in the cloud.
export default defineConfig({
  plugins: [noDataFonts()],
  // Some of the Form.io renderer's dependencies are written for Node's
  // bundlers and name the global object "global".
  define: { global: 'globalThis' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Fonts and icons stay files of the app's own origin: the strict
    // content policy admits no data: fonts, and no inline code.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        home: resolve(import.meta.dirname, 'index.html'),
        backoffice: resolve(import.meta.dirname, 'backoffice/index.html'),
      },
    },
  },
})
