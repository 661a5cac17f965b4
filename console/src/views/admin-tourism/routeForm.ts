import { toFen, yuan } from '../../utils/money'

/** One stop as the editor holds it; `seq` is its place in the list. */
export type StopForm = {
  day: number
  name: string
  lat: string
  lng: string
  minutes: number
  ticket: string
  opening_notes: string
  /** Kept as it was: the editor does not link shops, but must not drop a link. */
  shop_id: string | null
}

export type RouteForm = {
  title: string
  summary: string
  themes: string[]
  district_codes: string[]
  /** Places outside Chongqing, by name (四川省成都市青羊区). */
  outside_places: string[]
  days: number
  best_season: string
  distance_km: string
  stops: StopForm[]
  published: boolean
}

/** What a route detail from the API carries that the editor needs. */
export type RouteDetailLike = {
  title: string
  summary: string
  themes: string[]
  district_codes: string[]
  outside_places?: string[]
  days: number
  best_season: string
  distance_m: number
  published: boolean
  stops: { day: number; name: string; lat: number; lng: number; minutes: number; ticket_fen: number; opening_notes?: string | null; shop_id?: string | null }[]
}

export function emptyStop(day = 1): StopForm {
  return { day, name: '', lat: '', lng: '', minutes: 60, ticket: '0', opening_notes: '', shop_id: null }
}

export function emptyRoute(): RouteForm {
  return {
    title: '',
    summary: '',
    themes: [],
    district_codes: [],
    outside_places: [],
    days: 1,
    best_season: '',
    distance_km: '',
    stops: [emptyStop()],
    published: true,
  }
}

export function routeFromDetail(r: RouteDetailLike): RouteForm {
  return {
    title: r.title,
    summary: r.summary,
    themes: [...r.themes],
    district_codes: [...r.district_codes],
    outside_places: [...(r.outside_places ?? [])],
    days: r.days,
    best_season: r.best_season,
    distance_km: (r.distance_m / 1000).toFixed(1),
    stops: r.stops.map((s) => ({
      day: s.day,
      name: s.name,
      lat: String(s.lat),
      lng: String(s.lng),
      minutes: s.minutes,
      ticket: yuan(s.ticket_fen),
      opening_notes: s.opening_notes ?? '',
      shop_id: s.shop_id ?? null,
    })),
    published: r.published,
  }
}

const COORD = /^\s*-?\d{1,3}(\.\d+)?\s*$/

/** Errors keyed as the server keys them (`stops[2]`, `stops[2].name`)
 * belong to one stop; this gathers them per stop for the stop's row. */
export function stopErrors(errors: Record<string, string>, index: number): string {
  const prefix = `stops[${index}]`
  return Object.entries(errors)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
    .map(([, v]) => v)
    .join('；')
}

/** The request body, or the fields the console can already tell are
 * wrong. Stops are numbered in the order shown; a blank distance is
 * measured by the server along the stops. The server
 * checks everything again (days without a stop, stops outside the region). */
export function routeBody(
  f: RouteForm,
): { ok: true; body: Record<string, unknown> } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  if (f.title.trim().length < 2) fields.title = '请输入线路名称（至少 2 个字）'
  if (f.summary.trim().length < 2) fields.summary = '请输入线路简介'
  if (!f.themes.length) fields.themes = '请至少选择一个主题'
  if (!f.district_codes.length) fields.district_codes = '请选择途经区县'
  if (f.outside_places.some((p) => p.trim().length < 2 || p.trim().length > 40))
    fields.outside_places = '地名为 2 到 40 个字，如 四川省成都市青羊区'
  if (!Number.isInteger(f.days) || f.days < 1 || f.days > 15) fields.days = '天数为 1 到 15'
  let distance_m: number | undefined
  if (f.distance_km.trim()) {
    const km = Number(f.distance_km)
    if (!Number.isFinite(km) || km < 0 || km > 5000) fields.distance_m = '里程为 0 到 5000 公里'
    else distance_m = Math.round(km * 1000)
  }
  if (!f.stops.length) fields.stops = '请至少添加一个站点'
  const stops = f.stops.map((s, i) => {
    const wrong: string[] = []
    const ticket = toFen(s.ticket || '0')
    if (!s.name.trim()) wrong.push('请输入站点名称')
    if (!COORD.test(s.lat) || !COORD.test(s.lng)) wrong.push('请输入经纬度，如 29.5575 / 106.5770')
    if (ticket === null) wrong.push('门票金额格式不正确')
    if (i > 0 && s.day < f.stops[i - 1].day) wrong.push('日程不能倒退')
    if (s.day > f.days) wrong.push(`第 ${s.day} 天超出线路天数`)
    if (wrong.length) fields[`stops[${i}]`] = wrong.join('；')
    return {
      seq: i + 1,
      day: s.day,
      name: s.name.trim(),
      lat: Number(s.lat),
      lng: Number(s.lng),
      minutes: s.minutes,
      ticket_fen: ticket ?? 0,
      ...(s.opening_notes.trim() ? { opening_notes: s.opening_notes.trim() } : {}),
      ...(s.shop_id ? { shop_id: s.shop_id } : {}),
    }
  })
  if (Object.keys(fields).length) return { ok: false, fields }
  return {
    ok: true,
    body: {
      title: f.title.trim(),
      summary: f.summary.trim(),
      themes: f.themes,
      district_codes: f.district_codes,
      outside_places: f.outside_places.map((p) => p.trim()),
      days: f.days,
      best_season: f.best_season.trim(),
      stops,
      coord: 'gcj02',
      published: f.published,
      // Blank: the server measures the straight line along the stops.
      ...(distance_m !== undefined ? { distance_m } : {}),
    },
  }
}
