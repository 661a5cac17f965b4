import type { Schemas } from '../../api/client'

/** A year's working-day calendar as typed: dates one per line (or separated
 * by commas or spaces), as the State Council notice lists them. */
export type CalendarForm = { year: string; days_off: string; makeup_days: string; source: string }

const DATE = /^\d{4}-\d{2}-\d{2}$/

function isRealDate(text: string): boolean {
  if (!DATE.test(text)) return false
  const d = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text
}

/** The dates in `text`, sorted and without repeats, and what was not a date. */
export function parseDates(text: string): { dates: string[]; invalid: string[] } {
  const words = text.split(/[\s,，、;；]+/).filter(Boolean)
  const invalid = words.filter((w) => !isRealDate(w))
  const dates = [...new Set(words.filter(isRealDate))].sort()
  return { dates, invalid }
}

/** The body for `PUT /admin/calendar/{year}`, or each field's problem (the
 * server's own checks, so the answer comes before the upload). */
export function calendarBody(f: CalendarForm): { ok: true; body: Schemas['YearTable'] } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const year = Number(f.year)
  if (!Number.isInteger(year) || year < 2000 || year > 2100) fields.year = '请输入 2000—2100 之间的年份'
  const off = parseDates(f.days_off)
  const makeup = parseDates(f.makeup_days)
  for (const [name, parsed] of [['days_off', off], ['makeup_days', makeup]] as const) {
    if (parsed.invalid.length) fields[name] = `不是日期：${parsed.invalid.slice(0, 3).join('、')}（格式 2027-01-01）`
    else if (!fields.year && parsed.dates.some((d) => !d.startsWith(`${year}-`))) fields[name] = `有不在 ${year} 年的日期`
  }
  if (!off.dates.length && !fields.days_off) fields.days_off = '请填写休息日'
  const both = off.dates.filter((d) => makeup.dates.includes(d))
  if (both.length && !fields.makeup_days) fields.makeup_days = `既是休息日又是调休上班日：${both.join('、')}`
  if (Object.keys(fields).length) return { ok: false, fields }
  const body: Schemas['YearTable'] = { year, days_off: off.dates, makeup_days: makeup.dates }
  if (f.source.trim()) body.source = f.source.trim()
  return { ok: true, body }
}

/** A JSON file as `seeds/holidays.json` keeps it (`{years: [...]}`) or one
 * year alone, into the form; `year` picks one of several. */
export function formFromFile(text: string, year: string): CalendarForm | string {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return '文件不是有效的 JSON'
  }
  const obj = parsed as { years?: unknown[] } & Record<string, unknown>
  const tables = (Array.isArray(obj.years) ? obj.years : [obj]) as Record<string, unknown>[]
  const table = tables.length === 1 ? tables[0] : tables.find((t) => String(t.year) === year)
  if (!table) return `文件中没有 ${year || '所选'} 年的日历`
  if (!Array.isArray(table.days_off)) return '文件中缺少 days_off（休息日）'
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join('\n') : '')
  return {
    year: String(table.year ?? year),
    days_off: list(table.days_off),
    makeup_days: list(table.makeup_days),
    source: typeof table.source === 'string' ? table.source : '',
  }
}
