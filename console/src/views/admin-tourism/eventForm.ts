import { toFen, yuan } from '../../utils/money'

export type EventForm = {
  name: string
  summary: string
  category: string
  starts_at: string
  ends_at: string
  venue: string
  lat: string
  lng: string
  district_code: string
  organiser: string
  free: boolean
  price: string
  published: boolean
}

export type EventLike = {
  name: string
  summary: string
  category: string
  starts_at: string
  ends_at: string
  venue: string
  lat: number
  lng: number
  district_code: string
  organiser: string
  free: boolean
  price_fen?: number | null
  published: boolean
}

export function emptyEvent(): EventForm {
  return {
    name: '',
    summary: '',
    category: '',
    starts_at: '',
    ends_at: '',
    venue: '',
    lat: '',
    lng: '',
    district_code: '',
    organiser: '',
    free: true,
    price: '',
    published: true,
  }
}

export function eventFromView(e: EventLike): EventForm {
  return {
    name: e.name,
    summary: e.summary,
    category: e.category,
    starts_at: e.starts_at,
    ends_at: e.ends_at,
    venue: e.venue,
    lat: String(e.lat),
    lng: String(e.lng),
    district_code: e.district_code,
    organiser: e.organiser,
    free: e.free,
    price: e.free ? '' : yuan(e.price_fen),
    published: e.published,
  }
}

const COORD = /^\s*-?\d{1,3}(\.\d+)?\s*$/

/** The request body, or the fields the console can already tell are wrong,
 * keyed as the server keys them. A free event sends no price. */
export function eventBody(
  f: EventForm,
): { ok: true; body: Record<string, unknown> } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const price = f.free ? null : toFen(f.price)
  if (f.name.trim().length < 2) fields.name = '请输入活动名称（至少 2 个字）'
  if (!f.category) fields.category = '请选择类别'
  if (!f.starts_at) fields.starts_at = '请选择开始时间'
  if (!f.ends_at) fields.ends_at = '请选择结束时间'
  else if (f.starts_at && new Date(f.ends_at) <= new Date(f.starts_at)) fields.ends_at = '结束时间须晚于开始时间'
  if (f.venue.trim().length < 2) fields.venue = '请输入活动地点'
  if (!COORD.test(f.lat) || !COORD.test(f.lng)) fields.lat = '请输入经纬度，如 29.5575 / 106.5770'
  if (!f.district_code) fields.district_code = '请选择区县'
  if (f.organiser.trim().length < 2) fields.organiser = '请输入主办单位'
  if (!f.free && (price === null || price <= 0)) fields.price_fen = '收费活动请填写最低票价'
  if (Object.keys(fields).length) return { ok: false, fields }
  return {
    ok: true,
    body: {
      name: f.name.trim(),
      summary: f.summary.trim(),
      category: f.category,
      starts_at: new Date(f.starts_at).toISOString(),
      ends_at: new Date(f.ends_at).toISOString(),
      venue: f.venue.trim(),
      lat: Number(f.lat),
      lng: Number(f.lng),
      coord: 'gcj02',
      district_code: f.district_code,
      organiser: f.organiser.trim(),
      free: f.free,
      ...(f.free ? {} : { price_fen: price }),
      published: f.published,
    },
  }
}
