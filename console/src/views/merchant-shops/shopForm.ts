import type { Schemas } from '../../api/client'

/** One line of the weekly hours: these days, from `open` to `close`
 * (a `close` at or before `open` is on the next day). */
export type HoursRow = { days: number[]; open: string; close: string }
/** A dated change: closed all day, or other hours that day. */
export type ClosureRow = { date: string; closed: boolean; open: string; close: string; note: string }

export type ShopForm = {
  merchant_id: string
  name: string
  category: string
  district_code: string
  address: string
  phone: string
  // Typed text, so a half-typed number is not lost; GCJ-02 is what the maps
  // merchants copy coordinates from (高德, 腾讯, WeChat) use.
  lat: string
  lng: string
  coord: 'gcj02' | 'wgs84'
  tags: string[]
  opening_hours: HoursRow[]
  exceptions: ClosureRow[]
}

export const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日']

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

export function emptyShopForm(merchantId = ''): ShopForm {
  return {
    merchant_id: merchantId,
    name: '',
    category: '',
    district_code: '',
    address: '',
    phone: '',
    lat: '',
    lng: '',
    coord: 'gcj02',
    tags: [],
    opening_hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '09:00', close: '21:00' }],
    exceptions: [],
  }
}

export function formFromShop(shop: Schemas['ShopDetail']): ShopForm {
  return {
    merchant_id: shop.merchant_id,
    name: shop.name,
    category: shop.category,
    district_code: shop.district.code,
    address: shop.address,
    phone: shop.phone ?? '',
    lat: String(shop.lat),
    lng: String(shop.lng),
    coord: 'gcj02',
    tags: [...shop.tags],
    opening_hours: shop.opening_hours.map((h) => ({ days: [...h.days], open: h.open, close: h.close })),
    exceptions: shop.exceptions.map((e) => ({
      date: e.date,
      closed: e.closed ?? false,
      open: e.open ?? '',
      close: e.close ?? '',
      note: e.note ?? '',
    })),
  }
}

/** What a span means to a reader: overnight spans say where they end. */
export function spanNote(open: string, close: string): string {
  if (!TIME.test(open) || !(TIME.test(close) || close === '24:00')) return ''
  if (close === '24:00' || close === '00:00') return '营业至午夜'
  return close < open ? `跨夜，次日 ${close} 打烊` : ''
}

type Checked<T> = { ok: true; body: T } | { ok: false; fields: Record<string, string> }

/** The create body, or each field's problem under the name the server uses
 * (`opening_hours[1].close`), so both show in the same place. */
export function shopBody(f: ShopForm): Checked<Schemas['CreateShop']> {
  const fields: Record<string, string> = {}
  if (!f.merchant_id) fields.merchant_id = '请选择商户'
  if (!f.name.trim()) fields.name = '请输入门店名称'
  if (!f.category) fields.category = '请选择业态'
  if (!f.district_code) fields.district_code = '请选择区县'
  if (f.address.trim().length < 2) fields.address = '请输入详细地址'
  const lat = Number(f.lat)
  const lng = Number(f.lng)
  if (f.lat.trim() === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) fields.lat = '请输入纬度，如 29.5575'
  if (f.lng.trim() === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) fields.lng = '请输入经度，如 106.5770'
  f.opening_hours.forEach((h, i) => {
    if (!h.days.length) fields[`opening_hours[${i}].days`] = '请选择星期'
    if (!TIME.test(h.open)) fields[`opening_hours[${i}].open`] = '时间格式为 HH:MM'
    if (!TIME.test(h.close) && h.close !== '24:00') fields[`opening_hours[${i}].close`] = '时间格式为 HH:MM'
    else if (h.close === h.open) fields[`opening_hours[${i}].close`] = '不能与开门时间相同'
  })
  const seen = new Set<string>()
  f.exceptions.forEach((e, i) => {
    if (!e.date) fields[`exceptions[${i}].date`] = '请选择日期'
    else if (seen.has(e.date)) fields[`exceptions[${i}].date`] = '日期重复'
    seen.add(e.date)
    if (!e.closed) {
      if (!TIME.test(e.open)) fields[`exceptions[${i}].open`] = '时间格式为 HH:MM'
      if (!TIME.test(e.close) && e.close !== '24:00') fields[`exceptions[${i}].close`] = '时间格式为 HH:MM'
    }
  })
  if (Object.keys(fields).length) return { ok: false, fields }
  return {
    ok: true,
    body: {
      merchant_id: f.merchant_id,
      name: f.name.trim(),
      category: f.category,
      district_code: f.district_code,
      address: f.address.trim(),
      phone: f.phone.trim() || null,
      lat,
      lng,
      coord: f.coord,
      tags: f.tags,
      opening_hours: f.opening_hours.map((h) => ({ days: [...h.days].sort((a, b) => a - b), open: h.open, close: h.close })),
      exceptions: f.exceptions.map((e) =>
        e.closed
          ? { date: e.date, closed: true, note: e.note.trim() || null }
          : { date: e.date, closed: false, open: e.open, close: e.close, note: e.note.trim() || null },
      ),
    },
  }
}

/** An edit sends only what changed: a position typed once is not converted
 * back and forth on every save, and another person's edit to a field not
 * touched here stands. */
export function shopPatch(before: ShopForm, after: ShopForm): Checked<Schemas['UpdateShop']> {
  const checked = shopBody(after)
  if (!checked.ok) return checked
  const was = shopBody(before)
  const old = (was.ok ? was.body : {}) as Record<string, unknown>
  const now = checked.body as Record<string, unknown>
  const patch: Record<string, unknown> = {}
  for (const key of ['name', 'category', 'district_code', 'address', 'phone', 'tags', 'opening_hours', 'exceptions']) {
    if (JSON.stringify(now[key]) !== JSON.stringify(old[key])) patch[key] = now[key]
  }
  if (before.lat !== after.lat || before.lng !== after.lng || before.coord !== after.coord) {
    Object.assign(patch, { lat: now.lat, lng: now.lng, coord: now.coord })
  }
  return { ok: true, body: patch as Schemas['UpdateShop'] }
}

/** The first message under `prefix` (a row's fields), for showing beside it. */
export function errorUnder(errors: Record<string, string>, prefix: string): string | undefined {
  const hit = Object.entries(errors).find(([k]) => k === prefix || k.startsWith(`${prefix}.`))
  return hit?.[1]
}
