// The handler's actions on a case, each a form with the fields its request takes.
import type { ActionForm } from '../../utils/actionForms'
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
