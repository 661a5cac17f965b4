// What the respondent's staff may do on a case, each a form with the fields
// its request takes; the server names which of them apply now.
import type { ActionForm } from '../../utils/actionForms'

export const MERCHANT_ACTION_FORMS: ActionForm[] = [
  {
    action: 'merchant_response',
    title: '答复 / 提出和解方案',
    path: 'merchant-response',
    fields: [
      { name: 'message', label: '答复内容（投诉人和处理人员可见）', kind: 'textarea', required: true },
      { name: 'proposal', label: '和解方案（可选，如退款 100 元；投诉人可接受或拒绝）', kind: 'textarea' },
    ],
  },
  {
    action: 'escalate',
    title: '提交市场监管部门',
    path: 'escalate',
    danger: true,
    fields: [{ name: 'note', label: '说明（协商未果的原因）', kind: 'textarea' }],
  },
]
