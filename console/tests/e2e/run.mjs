// End-to-end: the real release binary on a fresh SQLite database, driven in
// Debian's Chromium through playwright-core. The test plays the mini-program
// (it approves sign-in tickets over the API) and the residents (filing,
// claiming) while people work in the console.
//
//   YUHUI_BIN=../target/release/yuhui CHROMIUM=/usr/bin/chromium npm run e2e
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'
import { apiClient, startServer } from './server.mjs'

const BIN = process.env.YUHUI_BIN ?? new URL('../../../target/release/yuhui', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const PORT = Number(process.env.E2E_PORT ?? 18580)
const BASE = `http://127.0.0.1:${PORT}`
const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname
// 老四川（解放碑店）, a restaurant of demo-merchant in 渝中区 (seed data).
const SHOP_NAME = '老四川（解放碑店）'

const work = mkdtempSync(join(tmpdir(), 'yuhui-e2e-'))
mkdirSync(SHOTS, { recursive: true })

const { call, login } = apiClient(BASE)

/** Opens the console, waits for its QR ticket and approves it as `openid`,
 * the way the mini-program does after a scan. */
async function signInByScan(browser, openid, shot, viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', hasTouch: viewport.width < 1024 })
  const page = await context.newPage()
  lastPage = page
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/console/tickets') && r.request().method() === 'POST')
  await page.goto(`${BASE}/console/`)
  const ticket = await (await created).json()
  await page.getByAltText('登录二维码，请用渝惠小程序扫描').waitFor()
  if (shot) await page.screenshot({ path: join(SHOTS, 'sign-in.png') })
  const approved = await call('POST', `/auth/console/tickets/${ticket.ticket}/approve`, { token: await login(openid) })
  assert.equal(approved.status, 200, JSON.stringify(approved.body))
  await page.getByRole('button', { name: '退出登录' }).waitFor()
  return { context, page }
}

/** Picks an option of the Element Plus select in the form item labelled `label`. */
async function choose(scope, page, label, option) {
  await scope.locator('.el-form-item').filter({ has: page.locator(`label:text-is("${label}")`) }).locator('.el-select__wrapper').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click()
}

/** The error shown beside the field labelled `label`. */
function errorBeside(scope, page, label) {
  return scope.locator('.el-form-item').filter({ has: page.locator(`label:text-is("${label}")`) }).locator('.el-form-item__error')
}

function shanghaiDate(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3600_000 + offsetDays * 86400_000).toISOString().slice(0, 10)
}

let lastPage = null
const steps = []
const step = (name, fn) => steps.push({ name, fn })

step('a resident-only account cannot approve a sign-in', async (browser) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/console/tickets') && r.request().method() === 'POST')
  await page.goto(`${BASE}/console/handler/queue`)
  const ticket = await (await created).json()
  const refused = await call('POST', `/auth/console/tickets/${ticket.ticket}/approve`, { token: await login('demo-resident') })
  assert.equal(refused.status, 403)
  assert.equal(refused.body.code, 'not_staff')
  await page.waitForTimeout(2000)
  assert.match(page.url(), /\/console\/login/)
  await page.getByText('等待扫码确认').waitFor()
  await context.close()
})

step('a handler signs in by scanning and takes a case from the queue to closed', async (browser) => {
  const title = `e2e 多收费用 ${Date.now()}`
  const resident = await login('e2e-complainant')
  const filed = await call('POST', '/complaints', {
    token: resident,
    headers: { 'idempotency-key': `e2e-${Date.now()}` },
    body: {
      respondent: { name: '解放碑某小吃店', address: '渝中区民权路 10 号', district_code: '500103' },
      category_code: 'price',
      title,
      facts: '结账时被多收了 20 元，店员拒绝退还。',
      demand: '退还多收的 20 元',
      amount_fen: 2000,
      occurred_on: shanghaiDate(-2),
      contact_name: '李四',
      contact_phone: '13900001111',
      contact_address: '重庆市渝中区解放碑 1 号',
      publish_consent: false,
    },
  })
  assert.equal(filed.status, 201, JSON.stringify(filed.body))

  const { context, page } = await signInByScan(browser, 'demo-handler', true)
  await page.getByRole('heading', { name: '投诉工单' }).waitFor()
  await page.getByText(title).waitFor()
  await page.screenshot({ path: join(SHOTS, 'queue.png') })
  await page.getByText(title).click()
  await page.getByRole('heading', { name: title }).waitFor()
  await page.getByText('本次查看已记入审计日志').waitFor()

  await page.getByRole('button', { name: '受理', exact: true }).click()
  await page.locator('[data-test="action-submit"]').click()
  await page.getByText('受理成功').waitFor()
  await page.getByText('调解期限').waitFor()
  await page.getByRole('dialog').waitFor({ state: 'hidden' })
  await page.getByText('受理成功').waitFor({ state: 'hidden' })
  await page.screenshot({ path: join(SHOTS, 'case.png') })

  // Closing: a required field left empty, then the server's own refusal
  // (terminated needs a ground), each shown beside its field.
  await page.getByRole('button', { name: '办结' }).click()
  const dialog = page.getByRole('dialog')
  await page.locator('[data-test="action-submit"]').click()
  await errorBeside(dialog, page, '办理结果').filter({ hasText: '必填' }).waitFor()
  await choose(dialog, page, '办理结果', '终止调解')
  await page.locator('[data-test="action-submit"]').click()
  await errorBeside(dialog, page, '终止理由（终止调解时必填）').filter({ hasText: '必填' }).waitFor()
  await choose(dialog, page, '办理结果', '调解成功')
  await dialog.getByLabel('赔偿金额（元）').fill('20')
  await dialog.getByLabel('办结说明').fill('商家当场退还 20 元')
  await page.locator('[data-test="action-submit"]').click()
  await page.getByText('办结成功').waitFor()
  await page.locator('.title .el-tag', { hasText: '已办结' }).waitFor()
  const view = await call('GET', `/complaints/${filed.body.id}`, { token: resident })
  assert.equal(view.body.status, 'closed')
  assert.equal(view.body.outcome, 'mediated')
  assert.equal(view.body.compensation_fen, 2000)
  await context.close()
})

step('a merchant redeems a voucher at the till and reverses it', async (browser) => {
  const resident = await login('e2e-shopper')
  const open = (await call('GET', '/voucher-campaigns?status=open')).body.find((c) => c.threshold_fen === 10000 && c.face_value_fen === 2500)
  assert.ok(open, 'a 满100减25 campaign is open in the seed data')
  const claimed = await call('POST', `/voucher-campaigns/${open.id}/claims`, { token: resident, headers: { 'idempotency-key': `e2e-claim-${Date.now()}` } })
  assert.equal(claimed.status, 201, JSON.stringify(claimed.body))
  const code = claimed.body.voucher.code
  const companion = await login('e2e-shopper-2')
  const second = await call('POST', `/voucher-campaigns/${open.id}/claims`, { token: companion, headers: { 'idempotency-key': `e2e-claim-2-${Date.now()}` } })
  assert.equal(second.status, 201, JSON.stringify(second.body))
  const order = `E2E-${Date.now()}`

  const { context, page } = await signInByScan(browser, 'demo-merchant')
  await page.getByRole('heading', { name: '收银核销' }).waitFor()
  await page.getByLabel('门店').fill(SHOP_NAME)
  await page.locator('.el-select-dropdown__item:visible', { hasText: SHOP_NAME }).first().click()
  await page.getByLabel('券码').fill(code)
  await page.getByLabel('订单金额（元）').fill('128.00')
  await page.getByLabel('收银单号').fill(order)
  await page.getByRole('button', { name: '核销', exact: true }).click()
  await page.locator('[data-test="payable"]', { hasText: '103.00' }).waitFor()
  await page.screenshot({ path: join(SHOTS, 'till.png') })
  const used = await call('GET', '/vouchers/mine?status=used', { token: resident })
  assert.equal(used.body.items[0].code, code)
  // A companion's voucher on the same payment is refused beside the order number.
  await page.getByLabel('券码').fill(second.body.voucher.code)
  await page.getByLabel('订单金额（元）').fill('128.00')
  await page.getByLabel('收银单号').fill(order)
  await page.getByRole('button', { name: '核销', exact: true }).click()
  await errorBeside(page, page, '收银单号').getByText('每笔支付限用一张').waitFor()

  await page.getByRole('button', { name: '撤销' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '撤销' }).click()
  await page.getByText('已撤销').first().waitFor()
  const unused = await call('GET', '/vouchers/mine?status=unused', { token: resident })
  assert.ok(unused.body.items.some((v) => v.code === code), 'the voucher is back in the wallet')
  await context.close()
})

step('a merchant opens a shop with overnight hours, finds it in nearby search, then closes it', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-merchant')
  await page.getByRole('menuitem', { name: '门店管理' }).click()
  await page.getByRole('heading', { name: '门店管理' }).waitFor()
  await page.getByRole('button', { name: '新建门店' }).click()
  const drawer = page.getByRole('dialog', { name: '新建门店' })
  await drawer.getByRole('button', { name: '创建' }).click()
  await errorBeside(drawer, page, '门店名称').getByText('请输入门店名称').waitFor()

  const name = `e2e 夜宵铺 ${Date.now()}`
  await drawer.getByLabel('门店名称').fill(name)
  await choose(drawer, page, '业态', '餐馆')
  await choose(drawer, page, '区县', '两江新区')
  await drawer.getByLabel('详细地址').fill('两江新区观音桥步行街 8 号')
  await drawer.getByLabel('纬度').fill('29.5755')
  await drawer.getByLabel('经度').fill('106.5332')
  await drawer.getByLabel('第 1 行开门时间').fill('18:00')
  await drawer.getByLabel('第 1 行打烊时间').fill('02:00')
  await drawer.getByText('跨夜，次日 02:00 打烊').waitFor()
  await drawer.getByRole('button', { name: '添加特殊日期' }).click()
  await drawer.getByLabel('特殊日期第 1 行的说明').fill('除夕休息')
  // No date yet: the row says so.
  await drawer.getByRole('button', { name: '创建' }).click()
  await drawer.getByText('请选择日期').waitFor()
  await drawer.getByRole('button', { name: '删除特殊日期第 1 行' }).click()
  await drawer.getByRole('button', { name: '创建' }).click()
  const row = page.getByRole('row', { name: new RegExp(name) })
  await row.waitFor()
  await drawer.waitFor({ state: 'hidden' })
  await page.screenshot({ path: join(SHOTS, 'shops.png') })

  const nearby = await call('GET', `/shops/nearby?lat=29.5755&lng=106.5332&q=${encodeURIComponent(name)}`)
  assert.equal(nearby.status, 200, JSON.stringify(nearby.body))
  const found = nearby.body.items.find((s) => s.name === name)
  assert.ok(found, 'the new shop is found nearby at once')

  // An edit sends what changed: the hours.
  await row.getByRole('button', { name: '编辑' }).click()
  const editor = page.getByRole('dialog', { name: `编辑门店：${name}` })
  await editor.getByLabel('第 1 行打烊时间').fill('03:00')
  await editor.getByRole('button', { name: '保存' }).click()
  await editor.waitFor({ state: 'hidden' })
  const detail = await call('GET', `/shops/${found.id}`)
  assert.deepEqual(detail.body.opening_hours, [{ days: [1, 2, 3, 4, 5, 6, 7], open: '18:00', close: '03:00' }])

  await row.getByRole('button', { name: '关闭' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '关闭门店' }).click()
  await page.getByRole('row', { name: new RegExp(`${name}.*已关闭`) }).waitFor()
  const after = await call('GET', `/shops/nearby?lat=29.5755&lng=106.5332&q=${encodeURIComponent(name)}`)
  assert.ok(!after.body.items.some((s) => s.name === name), 'a closed shop is not found')
  await context.close()
})

step('a merchant lists a trade-in offer, residents find it, and the merchant withdraws it', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-merchant')
  await page.getByRole('menuitem', { name: '以旧换新' }).click()
  await page.getByRole('heading', { name: '以旧换新' }).waitFor()
  await page.getByRole('button', { name: '新增优惠' }).click()
  const drawer = page.getByRole('dialog', { name: '新增以旧换新优惠' })
  const model = `E2E-${Date.now()}`
  await choose(drawer, page, '门店', SHOP_NAME)
  await choose(drawer, page, '品类', '电冰箱')
  await drawer.getByLabel('品牌').fill('海尔')
  await drawer.getByLabel('型号').fill(model)
  await drawer.getByLabel('售价（元）').fill('4999')
  await drawer.getByLabel('旧机回收价（元）').fill('5000')
  await drawer.getByRole('button', { name: '上架' }).click()
  // Checked before sending: an appliance needs its grade, the bonus is below the price.
  await errorBeside(drawer, page, '能效等级').getByText('家电须填写能效等级').waitFor()
  await errorBeside(drawer, page, '旧机回收价（元）').getByText('旧机回收价须低于售价').waitFor()
  await drawer.getByLabel('旧机回收价（元）').fill('200')
  await choose(drawer, page, '能效等级', '1 级')
  await drawer.getByRole('button', { name: '上架' }).click()
  await drawer.waitFor({ state: 'hidden' })
  const row = page.getByRole('row', { name: new RegExp(model) })
  await row.getByText('进行中').waitFor()
  await page.screenshot({ path: join(SHOTS, 'trade-in-offers.png') })

  const listed = await call('GET', '/trade-in-offers?category=refrigerator&limit=100')
  const offer = listed.body.items.find((o) => o.model === model)
  assert.ok(offer, 'residents find the new offer')
  assert.equal(offer.price_fen, 499900)
  assert.equal(offer.old_unit_bonus_fen, 20000)

  await row.getByRole('button', { name: '撤下' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '撤下' }).click()
  await row.getByText('已撤下').waitFor()
  const after = await call('GET', '/trade-in-offers?category=refrigerator&limit=100')
  assert.ok(!after.body.items.some((o) => o.model === model), 'a withdrawn offer is not found')
  await context.close()
})

step('a merchant answers a complaint in its ODR window with a settlement, then sends it to the bureau', async (browser) => {
  const resident = await login('e2e-diner')
  const filed = await call('POST', '/complaints', {
    token: resident,
    headers: { 'idempotency-key': `e2e-odr-${Date.now()}` },
    body: {
      merchant_id: '01936d4a-0000-7000-8000-000000000002',
      category_code: 'service',
      title: 'e2e 火锅店多收锅底费',
      facts: '在店内用餐，结账时被多收锅底费38元，店员拒绝退还。',
      demand: '退还多收的38元',
      amount_fen: 3800,
      occurred_on: shanghaiDate(-1),
      contact_name: '李小红',
      contact_phone: '13912345678',
      contact_address: '重庆市渝中区民族路 88 号',
      publish_consent: false,
    },
  })
  assert.equal(filed.status, 201, JSON.stringify(filed.body))
  assert.equal(filed.body.status, 'merchant_window')

  const { context, page } = await signInByScan(browser, 'demo-merchant')
  await page.getByRole('menuitem', { name: '消费投诉' }).click()
  await page.getByRole('heading', { name: '消费投诉' }).waitFor()
  await page.getByRole('link', { name: filed.body.number }).click()
  await page.getByRole('heading', { name: /e2e 火锅店多收锅底费/ }).waitFor()
  // The merchant sees the complainant masked.
  await page.getByText('投诉内容').waitFor()
  assert.equal(await page.getByText('13912345678').count(), 0)
  await page.getByRole('button', { name: '答复 / 提出和解方案' }).click()
  const dialog = page.getByRole('dialog', { name: '答复 / 提出和解方案' })
  await dialog.getByRole('button', { name: '确定' }).click()
  await dialog.getByText('必填').waitFor()
  await dialog.getByLabel(/答复内容/).fill('已核实，确为多收')
  await dialog.getByLabel(/和解方案/).fill('退还 38 元')
  await dialog.getByRole('button', { name: '确定' }).click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByText('退还 38 元').first().waitFor()
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-overlay')].some((o) => getComputedStyle(o).display !== 'none'))
  await page.screenshot({ path: join(SHOTS, 'merchant-case.png'), fullPage: true })

  await page.getByRole('button', { name: '提交市场监管部门' }).click()
  const escalate = page.getByRole('dialog', { name: '提交市场监管部门' })
  await escalate.getByLabel(/说明/).fill('顾客要求另赔偿，协商未果')
  await escalate.getByRole('button', { name: '确定' }).click()
  await escalate.waitFor({ state: 'hidden' })
  await page.getByRole('heading', { name: /待受理/ }).waitFor()
  const seen = await call('GET', `/complaints/${filed.body.id}`, { token: resident })
  assert.equal(seen.body.status, 'submitted')
  assert.equal(seen.body.merchant_proposal, '退还 38 元')
  await context.close()
})

step('an admin sets how many pickups a slot takes', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '上门回收' }).click()
  await page.getByRole('heading', { name: '上门回收时段' }).waitFor()
  const morning = page.getByLabel('上午每日可约单数')
  await morning.fill('37')
  await page.getByRole('row', { name: /上午/ }).getByRole('button', { name: '保存' }).click()
  await page.getByText('上午时段每天可约 37 单').waitFor()
  const slots = await call('GET', `/recycling/slots?district_code=500103&date=${shanghaiDate(1)}`)
  assert.equal(slots.body.find((s) => s.slot === 'morning').capacity, 37)
  await context.close()
})

step('an admin makes a colleague a complaint handler for a district', async (browser) => {
  const colleague = await login('e2e-colleague')
  const before = await call('GET', '/me', { token: colleague })
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '人员与角色' }).click()
  await page.getByRole('heading', { name: '人员与角色' }).waitFor()
  // The page opens on the handlers; the colleague is not one yet.
  await page.getByRole('row', { name: /投诉处理人员/ }).first().waitFor()
  await page.getByLabel('查找用户').fill(before.body.id)
  await choose(page, page, '角色', '不限')
  await page.getByRole('button', { name: '查找' }).click()
  const row = page.getByRole('row', { name: /居民/ })
  await row.getByRole('button', { name: '调整角色' }).click()
  const dialog = page.getByRole('dialog', { name: /调整角色/ })
  await dialog.getByText('投诉处理人员').click()
  await choose(dialog, page, '负责区县', '沙坪坝区')
  // A multiple select stays open after a pick; clicking the title closes it.
  await dialog.locator('.el-dialog__title').click()
  await dialog.getByRole('button', { name: '保存' }).click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByRole('row', { name: /沙坪坝区/ }).waitFor()
  const after = await call('GET', '/me', { token: colleague })
  assert.ok(after.body.roles.includes('handler'), JSON.stringify(after.body))
  assert.deepEqual(after.body.handler_districts, ['500106'])
  await context.close()
})

step('an admin publishes a route and an event, residents find them, and a route taken down leaves the list', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '文旅线路与活动' }).click()
  await page.getByRole('heading', { name: '文旅线路与活动' }).waitFor()
  await page.getByRole('row', { name: /已上架/ }).first().waitFor()
  await page.getByRole('button', { name: '新建线路' }).click()
  const drawer = page.getByRole('dialog', { name: '新建线路' })
  await drawer.getByLabel('线路名称').fill('E2E 两江夜游')
  await drawer.getByLabel('线路简介').fill('洪崖洞看夜景，再坐长江索道过江')
  await choose(drawer, page, '主题', '夜游')
  await drawer.locator('.el-drawer__title').click()
  await choose(drawer, page, '途经区县', '渝中区')
  await drawer.locator('.el-drawer__title').click()
  await drawer.getByLabel('站点名称').fill('洪崖洞')
  await drawer.getByLabel('纬度').fill('29.5634')
  await drawer.getByLabel('经度').fill('106.5812')
  await drawer.getByRole('button', { name: '添加站点' }).click()
  const second = drawer.locator('fieldset').nth(1)
  await second.getByLabel('站点名称').fill('长江索道')
  // A slip of the hand puts the stop in Chengdu: the server's reason shows on that stop.
  await second.getByLabel('纬度').fill('30.6640')
  await second.getByLabel('经度').fill('104.0530')
  await second.getByLabel('门票（元）').fill('30')
  await drawer.getByRole('button', { name: '保存线路' }).click()
  await errorBeside(second, page, '站点名称').filter({ hasText: '不在重庆市内' }).waitFor()
  await second.scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(SHOTS, 'admin-tourism.png') })
  await second.getByLabel('纬度').fill('29.5533')
  await second.getByLabel('经度').fill('106.5860')
  await drawer.getByRole('button', { name: '保存线路' }).click()
  await page.getByText(/已创建：E2E 两江夜游/).waitFor()
  const found = await call('GET', `/tourism/routes?q=${encodeURIComponent('E2E 两江夜游')}`)
  assert.equal(found.body.items.length, 1, JSON.stringify(found.body))
  assert.equal(found.body.items[0].tickets_fen, 3000)
  const row = page.getByRole('row', { name: /E2E 两江夜游/ })
  await row.getByRole('button', { name: '下架' }).click()
  await row.getByRole('button', { name: '上架' }).waitFor()
  const gone = await call('GET', `/tourism/routes?q=${encodeURIComponent('E2E 两江夜游')}`)
  assert.equal(gone.body.items.length, 0)

  // An event that runs past midnight, free, shows in the residents' calendar.
  await page.getByRole('tab', { name: '活动' }).click()
  await page.getByRole('button', { name: '新建活动' }).click()
  const form = page.getByRole('dialog', { name: '新建活动' })
  await form.getByLabel('活动名称').fill('E2E 江北嘴跨年灯光秀')
  await choose(form, page, '类别', '节庆')
  await choose(form, page, '区县', '渝中区')
  const day = shanghaiDate(5)
  const next = shanghaiDate(6)
  for (const [label, at] of [['开始时间', `${day} 20:00:00`], ['结束时间（可跨午夜）', `${next} 00:30:00`]]) {
    await form.getByLabel(label).fill(at)
    await form.getByLabel(label).press('Enter')
  }
  await form.getByLabel('活动地点').fill('解放碑步行街')
  await form.getByLabel('纬度').fill('29.5575')
  await form.getByLabel('经度').fill('106.5770')
  await form.getByLabel('主办单位').fill('渝中区商务委员会')
  await form.locator('.el-drawer__title').click()
  await form.getByRole('button', { name: '保存活动' }).click()
  await page.getByText('已创建：E2E 江北嘴跨年灯光秀').waitFor()
  const calendar = await call('GET', `/events?from=${next}&to=${next}`)
  assert.ok(calendar.body.items.some((e) => e.name === 'E2E 江北嘴跨年灯光秀'), 'the next day has it too')
  await context.close()
})

step('a merchant applies for another merchant from the console, the code checked beside its field', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-merchant')
  await page.getByRole('menuitem', { name: '商户入驻' }).click()
  await page.getByRole('heading', { name: '商户入驻' }).waitFor()
  const name = `E2E 解放碑新店 ${Date.now()}`
  await page.getByLabel('商户名称').fill(name)
  // One character off: the server's check character refuses it, beside the code.
  await page.getByLabel('统一社会信用代码').fill('91500103MA61E2E01Y')
  await choose(page, page, '所在区县', '渝中区')
  await page.getByLabel('联系电话').fill('023-03830001')
  await page.getByLabel('经营地址').fill('渝中区民族路 9 号')
  await page.getByText('先行赔付').click()
  await page.getByRole('button', { name: '提交申请' }).click()
  await errorBeside(page, page, '统一社会信用代码').filter({ hasText: '校验不通过' }).waitFor()
  await page.getByLabel('统一社会信用代码').fill('91500103MA61E2E01X')
  await page.getByRole('button', { name: '提交申请' }).click()
  await page.getByRole('row', { name: new RegExp(`${name}.*待审核`) }).waitFor()
  await context.close()
})

step('a merchant appeals a credit factor and prints its code; an admin answers and sets a grade until a day', async (browser) => {
  const merchant = await signInByScan(browser, 'demo-merchant')
  const page = merchant.page
  await page.getByRole('menuitem', { name: '信用档案' }).click()
  await page.getByRole('heading', { name: '山城有信 · 信用档案' }).waitFor()
  const row = page.getByRole('row', { name: /立案投诉/ })
  await row.getByRole('button', { name: '申诉' }).click()
  const dialog = page.getByRole('dialog', { name: '申诉：立案投诉' })
  await dialog.getByLabel('申诉理由').fill('太短')
  await dialog.getByRole('button', { name: '提交申诉' }).click()
  await errorBeside(dialog, page, '申诉理由').filter({ hasText: '10 到 1000' }).waitFor()
  await dialog.getByLabel('申诉理由').fill('其中一件投诉系顾客误会，已当面说明并获谅解。')
  await dialog.getByRole('button', { name: '提交申诉' }).click()
  await row.getByText('待答复').waitFor()
  await dialog.waitFor({ state: 'hidden' })
  // Let the dialog's fade-out finish before the picture.
  await page.locator('.el-overlay:visible').waitFor({ state: 'detached' }).catch(() => {})
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(SHOTS, 'merchant-credit.png') })
  await page.getByRole('button', { name: '一企一码' }).click()
  const code = page.getByRole('dialog', { name: '一企一码' })
  await code.locator('svg').first().waitFor()
  await merchant.context.close()

  const admin = await signInByScan(browser, 'demo-admin')
  const desk = admin.page
  await desk.getByRole('menuitem', { name: '商户信用' }).click()
  await desk.getByRole('heading', { name: '商户信用（山城有信）' }).waitFor()
  const open = desk.getByRole('row', { name: /待答复/ }).first()
  await open.getByRole('button', { name: '答复' }).click()
  const reply = desk.getByRole('dialog', { name: '答复申诉' })
  await reply.getByRole('button', { name: '提交答复' }).click()
  await errorBeside(reply, desk, '结论').filter({ hasText: '维持或驳回' }).waitFor()
  await reply.getByText('申诉成立').click()
  await reply.getByLabel('答复').fill('经核实情况属实，已在档案中注明。')
  await reply.getByRole('button', { name: '提交答复' }).click()
  await desk.getByRole('row', { name: /申诉成立/ }).first().waitFor()

  await choose(desk, desk, '商户', '解放碑老街小面馆')
  await choose(desk, desk, '等级', 'D 级')
  await desk.getByLabel('截止日期（含当日）').fill(shanghaiDate(3))
  await desk.getByLabel('截止日期（含当日）').press('Enter')
  await desk.getByLabel('理由（商户与公众可见）').fill('食品安全抽检不合格，限期整改')
  await desk.getByRole('button', { name: '调整', exact: true }).click()
  await desk.getByText(/解放碑老街小面馆 现为 D 级/).waitFor()
  await desk.screenshot({ path: join(SHOTS, 'admin-credit.png') })
  const credit = await call('GET', '/merchants/01936d4a-0000-7000-8000-000000000001/credit')
  assert.equal(credit.body.grade, 'D')
  assert.equal(credit.body.override.reason, '食品安全抽检不合格，限期整改')
  await admin.context.close()
})

step('an admin creates a campaign and sees claims appear in its chart', async (browser) => {
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('heading', { name: '消费券活动' }).waitFor()
  await page.getByRole('button', { name: '新建活动' }).click()
  const name = `e2e 周末券 ${Date.now()}`
  // Validation before sending: the name is required.
  await page.getByLabel('活动名称').fill('')
  await page.getByRole('button', { name: '创建' }).click()
  await page.getByText('请输入活动名称').waitFor()
  await page.getByLabel('活动名称').fill(name)
  await choose(page, page, '适用业态', '餐馆')
  await page.keyboard.press('Escape')
  await choose(page, page, '适用区县', '渝中区')
  await page.keyboard.press('Escape')
  // The first round opens a minute ago, Chongqing time.
  const opens = new Date(Date.now() + 8 * 3600_000 - 60_000).toISOString().slice(0, 19).replace('T', ' ')
  const roundInput = page.getByLabel('第1轮开始时间')
  await roundInput.fill(opens)
  await roundInput.press('Enter')
  await page.getByRole('button', { name: '创建' }).click()
  await page.getByRole('heading', { name }).waitFor()

  const id = page.url().split('/').pop()
  for (const who of ['e2e-fan-1', 'e2e-fan-2', 'e2e-fan-3']) {
    const res = await call('POST', `/voucher-campaigns/${id}/claims`, { token: await login(who), headers: { 'idempotency-key': `${who}-${Date.now()}` } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  await page.locator('[data-test="claimed"]', { hasText: '3' }).waitFor({ timeout: 10_000 })
  await page.locator('.chart svg').waitFor()
  await page.screenshot({ path: join(SHOTS, 'campaign.png') })
  await context.close()
})

step('an admin approves one merchant application, rejects another with its reason, and finds both in the audit log', async (browser) => {
  const applied = []
  for (const [openid, name, uscc] of [
    ['e2e-applicant-1', `e2e 江景茶馆 ${Date.now()}`, '91500108MA61AB001Q'],
    ['e2e-applicant-2', `e2e 山城小面 ${Date.now()}`, '91500108MA61AB002U'],
  ]) {
    const res = await call('POST', '/merchants', {
      token: await login(openid),
      body: { name, uscc, district_code: '500108', address: '南岸区南滨路 100 号', contact_phone: '023-62880001' },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    applied.push(res.body)
  }
  const [approved, rejected] = applied
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '商户审核' }).click()
  await page.getByRole('heading', { name: '商户审核' }).waitFor()

  await page.getByRole('row', { name: new RegExp(approved.name) }).getByRole('button', { name: '通过' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '通过' }).click()
  await page.getByRole('row', { name: new RegExp(approved.name) }).waitFor({ state: 'detached' })

  await page.getByRole('row', { name: new RegExp(rejected.name) }).getByRole('button', { name: '驳回' }).click()
  const dialog = page.getByRole('dialog', { name: `驳回：${rejected.name}` })
  await dialog.getByRole('button', { name: '驳回' }).click()
  // The server's reason for the empty field, beside the field.
  await errorBeside(dialog, page, '驳回理由（申请人可见）').waitFor()
  await dialog.getByLabel('驳回理由（申请人可见）').fill('营业执照地址与申请地址不一致，请核对后重新申请。')
  await dialog.getByRole('button', { name: '驳回' }).click()
  await page.getByRole('row', { name: new RegExp(rejected.name) }).waitFor({ state: 'detached' })
  await page.locator('.el-radio-button', { hasText: '已驳回' }).click()
  await page.getByRole('row', { name: new RegExp(`${rejected.name}.*营业执照地址与申请地址不一致`) }).waitFor()
  assert.equal((await call('GET', `/merchants/${approved.id}`)).status, 200)

  await page.getByRole('menuitem', { name: '审计日志' }).click()
  await page.getByLabel('对象 ID').fill(approved.id)
  await page.getByRole('button', { name: '查询' }).click()
  await page.getByRole('row', { name: /通过商户入驻/ }).waitFor()
  await page.getByLabel('对象 ID').fill('not-a-uuid')
  await page.getByRole('button', { name: '查询' }).click()
  await errorBeside(page, page, '对象 ID').getByText('应为 UUID').waitFor()
  await page.getByLabel('对象 ID').fill(rejected.id)
  await page.getByRole('button', { name: '查询' }).click()
  await page.getByRole('row', { name: /驳回商户入驻/ }).waitFor()
  await page.screenshot({ path: join(SHOTS, 'audit.png') })
  await context.close()
})

step('an admin approves one trade-in subsidy and rejects another for its invoice', async (browser) => {
  // Two residents buy a refrigerator from a seed trade-in merchant.
  const stamp = Date.now()
  const invoices = [`E2E-OK-${stamp}`, `E2E-BAD-${stamp}`]
  for (const [i, invoice_no] of invoices.entries()) {
    const res = await call('POST', '/trade-in/applications', {
      token: await login(`e2e-buyer-${stamp}-${i}`),
      headers: { 'idempotency-key': `e2e-trade-in-${stamp}-${i}` },
      body: {
        category: 'refrigerator',
        merchant_id: '01936d4a-0000-7000-8000-000000000003',
        price_fen: 499_900,
        efficiency_grade: 1,
        invoice_no,
        // Inside the 2025 national programme, the last one the seed rules know.
        invoice_date: '2025-06-01',
        serial_no: `SN-${invoice_no}`,
      },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '以旧换新审核' }).click()
  await page.getByRole('heading', { name: '以旧换新补贴审核' }).waitFor()

  await page.getByRole('row', { name: new RegExp(invoices[0]) }).getByRole('button', { name: '通过' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '通过' }).click()
  await page.getByRole('row', { name: new RegExp(invoices[0]) }).waitFor({ state: 'detached' })

  await page.getByRole('row', { name: new RegExp(invoices[1]) }).getByRole('button', { name: '驳回' }).click()
  const dialog = page.getByRole('dialog', { name: `驳回：发票 ${invoices[1]}` })
  await dialog.getByRole('textbox').fill('发票抬头与申请人不符')
  await dialog.getByRole('button', { name: '驳回' }).click()
  await page.getByRole('row', { name: new RegExp(invoices[1]) }).waitFor({ state: 'detached' })

  await page.getByLabel('发票号').fill(invoices[1])
  await choose(page, page, '状态', '已驳回')
  await page.getByRole('row', { name: new RegExp(`${invoices[1]}.*发票抬头与申请人不符`) }).waitFor()
  await page.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' })
  await page.screenshot({ path: join(SHOTS, 'trade-in.png') })
  await context.close()
})

step('an admin loads next year\'s working-day calendar from a file and provisional deadlines are settled', async (browser) => {
  const handler = await login('demo-handler')
  const provisionalIn = async (year) => {
    const queue = await call('GET', '/handler/complaints?limit=100', { token: handler })
    // Running cases: a closed case's deadlines are history and stay as they were.
    return queue.body.items.filter((c) => ['submitted', 'merchant_window', 'accepted'].includes(c.status)).filter((c) =>
      Object.values(c.deadlines).some((d) => d && typeof d === 'object' && d.provisional && d.date.startsWith(`${year}-`)),
    ).length
  }
  const year = Number(shanghaiDate().slice(0, 4)) + 1
  const before = await provisionalIn(year)

  const { context, page } = await signInByScan(browser, 'demo-admin')
  await page.getByRole('menuitem', { name: '工作日历' }).click()
  await page.getByRole('heading', { name: '工作日历' }).waitFor()
  // A date outside the year is refused beside its field before anything is sent.
  await page.getByLabel('年份').fill(String(year))
  await page.getByLabel('休息日').fill(`${year - 1}-12-31`)
  await page.getByRole('button', { name: '载入日历' }).click()
  await errorBeside(page, page, '休息日').getByText(`有不在 ${year} 年的日期`).waitFor()

  const table = {
    years: [{ year, days_off: [`${year}-01-01`, `${year}-10-01`, `${year}-10-02`], makeup_days: [`${year}-09-26`], source: 'e2e' }],
  }
  await page.locator('#c-file').setInputFiles({ name: 'holidays.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(table)) })
  await page.getByRole('button', { name: '载入日历' }).click()
  const recomputed = Number(await page.locator('[data-test="recomputed"]').textContent())
  // Mediation limits reach into next year from about October on; earlier in
  // the year there is nothing provisional to settle, only the upload to check.
  if (before === 0) console.log(`     (no running case has a provisional ${year} deadline this month)`)
  assert.ok(recomputed >= before, `recomputed ${recomputed}, ${before} running cases had provisional ${year} deadlines`)
  assert.equal(await provisionalIn(year), 0, `no ${year} deadline is provisional once its calendar is loaded`)
  await page.screenshot({ path: join(SHOTS, 'calendar.png') })
  await context.close()
})

step('on a tablet held upright the queue, a case and the till fit the screen', async (browser) => {
  const tablet = { width: 768, height: 1024 }
  // Nothing may push the page sideways: a handler on a tablet scrolls down, never across.
  const fits = (page) =>
    page.evaluate(() =>
      // Element's own tables scroll inside their frame, so the frame is what must fit.
      [...document.querySelectorAll('main table.data-table, main .el-table, main .el-card, main .el-form, main h1')].every(
        (e) => e.getBoundingClientRect().right <= window.innerWidth + 1,
      ),
    )
  const handler = await signInByScan(browser, 'demo-handler', false, tablet)
  await handler.page.getByRole('heading', { name: '投诉工单' }).waitFor()
  await handler.page.locator('tbody tr').first().waitFor()
  assert.ok(await fits(handler.page), 'the queue fits 768 px')
  await handler.page.screenshot({ path: join(SHOTS, 'queue-tablet.png') })
  await handler.page.locator('tbody tr a').first().click()
  await handler.page.getByText('办理记录').waitFor()
  assert.ok(await fits(handler.page), 'the case page fits 768 px')
  await handler.context.close()

  const merchant = await signInByScan(browser, 'demo-merchant', false, tablet)
  await merchant.page.getByRole('heading', { name: '收银核销' }).waitFor()
  assert.ok(await fits(merchant.page), 'the till fits 768 px')
  await merchant.context.close()
})

step('the dashboard shows a handler their districts and deadlines, and an admin the voucher funnel', async (browser) => {
  const handler = await signInByScan(browser, 'demo-handler')
  await handler.page.getByRole('menuitem', { name: '数据概览' }).click()
  const compliance = handler.page.locator('[data-test="compliance"] tbody tr')
  await compliance.first().waitFor()
  assert.equal(await compliance.count(), 6, 'six months of compliance')
  await handler.page.getByRole('row', { name: /^渝中区/ }).waitFor()
  await handler.page.locator('.chart svg').waitFor()
  await handler.page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true })
  await handler.context.close()

  const admin = await signInByScan(browser, 'demo-admin')
  await admin.page.getByRole('menuitem', { name: '数据概览' }).click()
  const total = admin.page.locator('[data-test="funnel"] tr.total')
  await total.waitFor()
  // The campaign step's three claims are in it.
  const claimed = Number(await total.locator('td').nth(1).textContent())
  assert.ok(claimed >= 3, `claimed in all ${claimed}`)
  await admin.context.close()
})

let server
let browser
let failed = 0
try {
  server = await startServer({ bin: BIN, port: PORT, work })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  for (const { name, fn } of steps) {
    const started = Date.now()
    try {
      await fn(browser)
      console.log(`ok   ${name} (${Date.now() - started} ms)`)
    } catch (e) {
      failed++
      console.log(`FAIL ${name}\n${e.stack ?? e}`)
      await lastPage?.screenshot({ path: join(SHOTS, `failed-${failed}.png`) }).catch(() => {})
    }
  }
} finally {
  await browser?.close()
  server?.kill('SIGTERM')
  rmSync(work, { recursive: true, force: true })
}
console.log(failed ? `${failed} of ${steps.length} failed` : `all ${steps.length} passed`)
process.exit(failed ? 1 : 0)
