// Console performance, measured in Debian's Chromium against the release
// binary on a fresh SQLite database (the demo seeds plus 200 filed cases in
// the demo handler's district):
//  1. first-load JavaScript of the sign-in page, as the browser received it
//     (brotli) and as a gzip-only client would (Content-Length of the .gz);
//  2. the handler queue with 200 cases: from the queue API's answer to the
//     first 100 rows painted, and from a click on 加载更多 to all 200 painted
//     (median of RUNS page loads);
//  3. Lighthouse 12 (desktop preset: the console is a desk application)
//     performance and accessibility on the sign-in, queue and case pages.
// Prints one JSON document.
//
//   bash bench/console.sh         (installs what it needs, then runs this)
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import lighthouse from 'lighthouse'
import desktopConfig from 'lighthouse/core/config/desktop-config.js'
import puppeteer from 'puppeteer-core'
import { apiClient, startServer } from '../../console/tests/e2e/server.mjs'

const BIN = process.env.YUHUI_BIN ?? new URL('../../target/release/yuhui', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const PORT = Number(process.env.PORT ?? 18590)
const RUNS = Number(process.env.RUNS ?? 7)
const CASES = 200
const BASE = `http://127.0.0.1:${PORT}`
const work = mkdtempSync(join(tmpdir(), 'yuhui-console-bench-'))

const api = apiClient(BASE)
// The bench wants every answer it relies on to have worked.
async function call(method, path, options) {
  const res = await api.call(method, path, options)
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
const login = api.login

/** 200 cases against 渝中区 shops, ten each from twenty residents (the
 * default filing limit is twenty an hour per resident). */
async function fileCases() {
  const occurred = new Date(Date.now() - 2 * 86400e3).toISOString().slice(0, 10)
  for (let r = 0; r < CASES / 10; r++) {
    const token = await login(`bench-resident-${r}`)
    for (let i = 0; i < 10; i++) {
      await call('POST', '/complaints', {
        token,
        headers: { 'idempotency-key': `bench-${r}-${i}` },
        body: {
          respondent: { name: `解放碑第${r}号小吃店`, address: `渝中区民权路 ${i + 1} 号`, district_code: '500103' },
          category_code: 'price',
          title: `结账多收费用（第 ${r * 10 + i + 1} 件）`,
          facts: '结账时被多收了 20 元，店员拒绝退还。',
          demand: '退还多收的 20 元',
          amount_fen: 2000,
          occurred_on: occurred,
          contact_name: '李四',
          contact_phone: '13900001111',
          contact_address: '重庆市渝中区解放碑 1 号',
          publish_consent: false,
        },
      })
    }
  }
}

/** Signs `page` in by scanning: the bench plays the mini-program. */
async function signIn(page, openid) {
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/console/tickets') && r.request().method() === 'POST')
  await page.goto(`${BASE}/console/login`)
  const ticket = await (await created).json()
  await call('POST', `/auth/console/tickets/${ticket.ticket}/approve`, { token: await login(openid) })
  await page.waitForSelector('xpath/.//button[contains(., "退出登录")]')
}

/** JavaScript the sign-in page loads before it is usable. */
async function firstLoad(browser) {
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  const scripts = []
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.push(r.url())
  })
  await page.goto(`${BASE}/console/login`, { waitUntil: 'networkidle0' })
  const brotli = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'))
      .reduce((sum, e) => sum + e.encodedBodySize, 0),
  )
  let gzip = 0
  for (const url of scripts) {
    const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } })
    if (res.headers.get('content-encoding') !== 'gzip') throw new Error(`${url} is not served gzipped`)
    gzip += Number(res.headers.get('content-length'))
    await res.arrayBuffer()
  }
  await context.close()
  return { scripts: scripts.length, brotli_bytes: brotli, gzip_bytes: gzip }
}

// Runs in the page before the app: notes when the queue table first shows
// `want` rows, at the next animation frame (the paint that shows them).
function watchRows() {
  window.__rowsPainted = {}
  const seen = () => document.querySelectorAll('tr[data-case-row]').length
  new MutationObserver(() => {
    const rows = seen()
    for (const want of [100, 200]) {
      if (rows >= want && !(want in window.__rowsPainted)) {
        window.__rowsPainted[want] = -1
        requestAnimationFrame(() => (window.__rowsPainted[want] = performance.now()))
      }
    }
  }).observe(document, { childList: true, subtree: true })
}

async function queueRender(page) {
  const first = []
  const all = []
  for (let run = 0; run < RUNS; run++) {
    await page.goto(`${BASE}/console/handler/queue`)
    await page.waitForFunction(() => window.__rowsPainted?.[100] > 0)
    const answered = await page.evaluate(() => {
      const queue = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/handler/complaints'))
      return queue.responseEnd
    })
    first.push((await page.evaluate(() => window.__rowsPainted[100])) - answered)
    const clicked = await page.evaluate(() => {
      const more = [...document.querySelectorAll('button')].find((b) => b.textContent.includes('加载更多'))
      const at = performance.now()
      more.click()
      return at
    })
    await page.waitForFunction(() => window.__rowsPainted?.[200] > 0)
    all.push((await page.evaluate(() => window.__rowsPainted[200])) - clicked)
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return {
    runs: RUNS,
    first_100_rows_ms: Math.round(median(first)),
    load_more_to_200_rows_ms: Math.round(median(all)),
    worst_load_more_to_200_rows_ms: Math.round(Math.max(...all)),
  }
}

async function audit(page, url) {
  const result = await lighthouse(
    url,
    { disableStorageReset: true, onlyCategories: ['performance', 'accessibility'], logLevel: 'error', output: 'json' },
    desktopConfig,
    page,
  )
  const { categories, audits } = result.lhr
  const failing = Object.values(audits)
    .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary')
    .map((a) => ({ id: a.id, nodes: (a.details?.items ?? []).slice(0, 3).map((i) => `${i.node?.selector} ${i.node?.explanation ?? ""}`.slice(0, 300)) }))
  return {
    performance: Math.round(categories.performance.score * 100),
    accessibility: Math.round(categories.accessibility.score * 100),
    lcp_ms: Math.round(audits['largest-contentful-paint'].numericValue),
    total_blocking_ms: Math.round(audits['total-blocking-time'].numericValue),
    failing_accessibility_audits: failing,
  }
}

const server = await startServer({ bin: BIN, port: PORT, work, logs: 'ignore' })
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--lang=zh-CN'],
  defaultViewport: { width: 1366, height: 768 },
})
try {
  await fileCases()
  const report = { chromium: await browser.version() }
  report.first_load_js = await firstLoad(browser)

  const anonymous = await (await browser.createBrowserContext()).newPage()
  const signInAudit = await audit(anonymous, `${BASE}/console/login`)

  const page = await browser.newPage()
  await page.evaluateOnNewDocument(watchRows)
  await signIn(page, 'demo-handler')
  report.queue_with_200_cases = await queueRender(page)

  const handler = await login('demo-handler')
  const queue = await call('GET', '/handler/complaints?limit=1', { token: handler })
  report.lighthouse = {
    sign_in: signInAudit,
    queue: await audit(page, `${BASE}/console/handler/queue`),
    case: await audit(page, `${BASE}/console/handler/cases/${queue.items[0].id}`),
  }
  console.log(JSON.stringify(report, null, 2))
} finally {
  await browser.close()
  server.kill('SIGTERM')
}
