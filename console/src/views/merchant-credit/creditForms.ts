/** Forms of the credit screens: what the console can tell is wrong before
 * sending; the server checks everything again and its errors go beside the
 * same fields. */

export const GRADE_LABELS: Record<string, string> = {
  A: 'A 级（守信）',
  B: 'B 级（良好）',
  C: 'C 级（关注）',
  D: 'D 级（失信风险）',
}

/** Factor codes as the profile labels them (for lists that carry only the code). */
export const FACTOR_LABELS: Record<string, string> = {
  verified: '信用代码核验与入驻审核',
  tenure: '入驻时长',
  commitments: '公开承诺',
  odr_kept: '在线纠纷和解',
  responses_on_time: '按时回应投诉',
  first_compensation: '先行赔付',
  complaints: '投诉量（按门店数）',
  accepted: '立案投诉',
  mediation_success: '调解成功率',
  repeat_complaints: '同类重复投诉',
  reversed_redemptions: '消费券核销撤销',
  invoice_rejections: '以旧换新发票问题',
}

export type Checked = { ok: true; body: Record<string, unknown> } | { ok: false; fields: Record<string, string> }

export function appealBody(merchantId: string, factorCode: string, statement: string): Checked {
  const text = statement.trim()
  if (text.length < 10 || text.length > 1000) return { ok: false, fields: { statement: '申诉理由为 10 到 1000 个字' } }
  return { ok: true, body: { merchant_id: merchantId, factor_code: factorCode, statement: text } }
}

/** `today` is the local date, YYYY-MM-DD. */
export function overrideBody(grade: string, reason: string, endsOn: string, today: string): Checked {
  const fields: Record<string, string> = {}
  if (!['A', 'B', 'C', 'D'].includes(grade)) fields.grade = '请选择等级'
  if (reason.trim().length < 5 || reason.trim().length > 500) fields.reason = '理由为 5 到 500 个字'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endsOn)) fields.ends_on = '请选择截止日期'
  else if (endsOn < today || daysBetween(today, endsOn) > 366) fields.ends_on = '截止日期为今天起一年内'
  if (Object.keys(fields).length) return { ok: false, fields }
  return { ok: true, body: { grade, reason: reason.trim(), ends_on: endsOn } }
}

export function answerBody(decision: string, answer: string): Checked {
  const fields: Record<string, string> = {}
  if (decision !== 'upheld' && decision !== 'dismissed') fields.decision = '请选择维持或驳回'
  if (answer.trim().length < 5 || answer.trim().length > 1000) fields.answer = '答复为 5 到 1000 个字'
  if (Object.keys(fields).length) return { ok: false, fields }
  return { ok: true, body: { decision, answer: answer.trim() } }
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/** Points with their sign, as the factor table shows them. */
export function signed(points: number): string {
  return points > 0 ? `+${points}` : String(points)
}
