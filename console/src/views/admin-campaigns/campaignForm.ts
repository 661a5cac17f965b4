import { toFen } from '../../utils/money'

export type RoundRow = { opens_at: string; quantity: number }

export type CampaignForm = {
  name: string
  categories: string[]
  district_codes: string[]
  face_value: string
  threshold: string
  per_user_limit: number
  valid_days: number
  /** Expired vouchers go back to the round open when they expire. */
  return_expired: boolean
  /** What a round did not hand out rolls into the next round. */
  roll_over_leftovers: boolean
  rounds: RoundRow[]
}

export function emptyForm(now = new Date()): CampaignForm {
  const opens = new Date(now.getTime() + 5 * 60_000)
  opens.setSeconds(0, 0)
  return {
    name: '',
    categories: [],
    district_codes: [],
    face_value: '25',
    threshold: '100',
    per_user_limit: 1,
    valid_days: 7,
    return_expired: true,
    roll_over_leftovers: true,
    rounds: [{ opens_at: opens.toISOString(), quantity: 1000 }],
  }
}

/** The request body, or the fields the console can already tell are wrong. */
export function campaignBody(f: CampaignForm):
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const face = toFen(f.face_value)
  const threshold = toFen(f.threshold)
  if (!f.name.trim()) fields.name = '请输入活动名称'
  if (f.categories.length === 0) fields.categories = '至少选择一个业态'
  if (f.district_codes.length === 0) fields.district_codes = '至少选择一个区县'
  if (face === null || face <= 0) fields.face_value_fen = '请输入面额，如 25'
  if (threshold === null) fields.threshold_fen = '请输入使用门槛，如 100（无门槛填 0）'
  if (f.rounds.length === 0) fields.rounds = '至少一个发放轮次'
  if (f.rounds.some((r) => !r.opens_at || !(r.quantity > 0))) fields.rounds = '每轮需填写开始时间和数量'
  if (Object.keys(fields).length) return { ok: false, fields }
  const rounds = [...f.rounds].sort((a, b) => a.opens_at.localeCompare(b.opens_at))
  return {
    ok: true,
    body: {
      name: f.name.trim(),
      categories: f.categories,
      district_codes: f.district_codes,
      face_value_fen: face,
      threshold_fen: threshold,
      per_user_limit: f.per_user_limit,
      valid_days: f.valid_days,
      return_expired: f.return_expired,
      roll_over_leftovers: f.roll_over_leftovers,
      total_quantity: rounds.reduce((n, r) => n + r.quantity, 0),
      rounds: rounds.map((r) => ({ opens_at: new Date(r.opens_at).toISOString(), quantity: r.quantity })),
    },
  }
}
