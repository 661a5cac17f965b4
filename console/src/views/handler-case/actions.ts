// The handler's actions on a case, each a form with the fields its request takes.
export type Field =
  | { name: string; label: string; kind: 'text' | 'textarea'; required?: boolean }
  | { name: string; label: string; kind: 'select'; options: Record<string, string>; required?: boolean }
  | { name: string; label: string; kind: 'money' }
  | { name: string; label: string; kind: 'switch' }

export type ActionForm = {
  action: string
  title: string
  /** The path under /api/v1/complaints/{id}/. */
  path: string
  fields: Field[]
  danger?: boolean
}

import { OUTCOME_LABELS, REJECT_GROUNDS, TERMINATION_REASONS } from '../../utils/labels'

export const ACTION_FORMS: ActionForm[] = [
  { action: 'accept', title: '受理', path: 'accept', fields: [{ name: 'note', label: '备注', kind: 'textarea' }] },
  {
    action: 'reject',
    title: '不予受理',
    path: 'reject',
    danger: true,
    fields: [
      { name: 'reason_code', label: '不予受理理由', kind: 'select', options: REJECT_GROUNDS, required: true },
      { name: 'note', label: '说明', kind: 'textarea' },
    ],
  },
  {
    action: 'transfer',
    title: '移送其他辖区',
    path: 'transfer',
    fields: [
      { name: 'district_code', label: '接收辖区代码', kind: 'text', required: true },
      { name: 'note', label: '说明', kind: 'textarea' },
    ],
  },
  { action: 'assign', title: '指派承办人', path: 'assign', fields: [{ name: 'user_id', label: '承办人用户 ID', kind: 'text', required: true }] },
  { action: 'pause', title: '中止调解计时', path: 'pause', fields: [{ name: 'reason', label: '中止原因（如送检、鉴定）', kind: 'textarea', required: true }] },
  { action: 'resume', title: '恢复调解计时', path: 'resume', fields: [] },
  {
    action: 'close',
    title: '办结',
    path: 'close',
    fields: [
      { name: 'outcome', label: '办理结果', kind: 'select', options: OUTCOME_LABELS, required: true },
      { name: 'termination_reason', label: '终止理由（终止调解时必填）', kind: 'select', options: TERMINATION_REASONS },
      { name: 'compensation_fen', label: '赔偿金额（元）', kind: 'money' },
      { name: 'note', label: '办结说明', kind: 'textarea' },
    ],
  },
  {
    action: 'termination_notice',
    title: '登记终止告知',
    path: 'termination-notice',
    fields: [{ name: 'note', label: '告知方式（电话、信函、当面）', kind: 'textarea', required: true }],
  },
  {
    action: 'notes',
    title: '添加备注',
    path: 'notes',
    fields: [
      { name: 'text', label: '内容', kind: 'textarea', required: true },
      { name: 'internal', label: '仅内部可见', kind: 'switch' },
    ],
  },
]

/** The request body of a form: empty text left out, money in fen. */
export function bodyOf(form: ActionForm, values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const f of form.fields) {
    const v = values[f.name]
    if (f.kind === 'switch') body[f.name] = Boolean(v)
    else if (f.kind === 'money') {
      if (typeof v === 'number') body[f.name] = Math.round(v * 100)
    } else if (typeof v === 'string' && v.trim() !== '') body[f.name] = v.trim()
  }
  return body
}

/** Fresh values for a form (internal notes by default, as the API does). */
export function initialValues(form: ActionForm): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const f of form.fields) values[f.name] = f.kind === 'switch' ? true : f.kind === 'money' ? undefined : ''
  return values
}

/** Required fields left empty, as the server would name them. */
export function missingFields(form: ActionForm, values: Record<string, unknown>): Record<string, string> {
  const missing: Record<string, string> = {}
  for (const f of form.fields) {
    const v = values[f.name]
    if ('required' in f && f.required && (v === undefined || v === null || (typeof v === 'string' && !v.trim()))) {
      missing[f.name] = '必填'
    }
  }
  return missing
}
