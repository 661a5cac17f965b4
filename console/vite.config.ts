import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// `npm run dev` proxies the API to a running `yuhui` (YUHUI_URL, default :8080).
const api = process.env.YUHUI_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  // Served by the binary under /console/.
  base: '/console/',
  plugins: [
    vue(),
    // Element Plus components and their styles imported on demand.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  server: {
    proxy: { '/api': api, '/health': api },
  },
  build: {
    outDir: 'dist',
    // The embedded bundle is committed: no source maps, stable names.
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'ui'
          if (id.includes('node_modules/')) return 'vendor'
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.ts'],
  },
})
