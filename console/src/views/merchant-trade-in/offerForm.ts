import { toFen } from '../../utils/money'

export type OfferForm = {
  shop_id: string
  category: string
  brand: string
  model: string
  price: string
  old_unit_bonus: string
  efficiency_grade: number | null
  starts_at: string
  ends_at: string
}

/** A month-long offer starting now: what a shop usually lists. */
export function emptyOffer(now = new Date()): OfferForm {
  const ends = new Date(now.getTime() + 30 * 86_400_000)
  ends.setHours(23, 59, 0, 0)
  return {
    shop_id: '',
    category: '',
    brand: '',
    model: '',
    price: '',
    old_unit_bonus: '0',
    efficiency_grade: null,
    starts_at: '',
    ends_at: ends.toISOString(),
  }
}

/** The request body, or the fields the console can already tell are wrong.
 * `needsGrade`: the category is an appliance, whose subsidy depends on the
 * energy-efficiency grade. The server checks all of it again. */
export function offerBody(
  f: OfferForm,
  needsGrade: boolean,
): { ok: true; body: Record<string, unknown> } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const price = toFen(f.price)
  const bonus = toFen(f.old_unit_bonus || '0')
  if (!f.shop_id) fields.shop_id = '请选择门店'
  if (!f.category) fields.category = '请选择品类'
  if (!f.brand.trim()) fields.brand = '请输入品牌'
  if (!f.model.trim()) fields.model = '请输入型号'
  if (price === null || price <= 0) fields.price_fen = '请输入售价，如 4999'
  if (bonus === null) fields.old_unit_bonus_fen = '请输入旧机回收价，没有填 0'
  else if (price !== null && bonus >= price) fields.old_unit_bonus_fen = '旧机回收价须低于售价'
  if (needsGrade && !f.efficiency_grade) fields.efficiency_grade = '家电须填写能效等级'
  if (!f.ends_at) fields.ends_at = '请选择结束时间'
  else if (f.starts_at && f.ends_at <= f.starts_at) fields.ends_at = '结束时间须晚于开始时间'
  if (Object.keys(fields).length) return { ok: false, fields }
  return {
    ok: true,
    body: {
      shop_id: f.shop_id,
      category: f.category,
      brand: f.brand.trim(),
      model: f.model.trim(),
      price_fen: price,
      old_unit_bonus_fen: bonus,
      ...(needsGrade ? { efficiency_grade: f.efficiency_grade } : {}),
      ...(f.starts_at ? { starts_at: new Date(f.starts_at).toISOString() } : {}),
      ends_at: new Date(f.ends_at).toISOString(),
    },
  }
}
