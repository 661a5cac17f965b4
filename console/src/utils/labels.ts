export const STATUS_LABELS: Record<string, string> = {
  submitted: '待受理',
  merchant_window: '商家协商期',
  accepted: '调解中',
  rejected: '不予受理',
  closed: '已办结',
  withdrawn: '已撤回',
}

export const OUTCOME_LABELS: Record<string, string> = {
  mediated: '调解成功',
  settled: '和解',
  failed: '调解不成',
  terminated: '终止调解',
}

export const REJECT_GROUNDS: Record<string, string> = {
  not_jurisdiction: '不属于本部门管辖',
  handled_elsewhere: '已由其他机构处理',
  not_consumer_dispute: '不属于消费纠纷',
  over_three_years: '超过三年',
  materials_missing: '材料不全且未补正',
  identity_refused: '拒绝提供身份信息',
}

export const TERMINATION_REASONS: Record<string, string> = {
  withdrawn_or_settled: '投诉人撤回或双方自行和解',
  party_refused: '一方拒绝调解',
  party_absent: '一方无正当理由不参加调解',
  no_agreement: '双方分歧较大无法达成协议',
  rejection_ground_found: '发现不予受理情形',
  time_limit_reached: '调解期限届满',
}

export const ROLE_LABELS: Record<string, string> = {
  resident: '居民',
  merchant: '商户',
  handler: '投诉处理人员',
  admin: '管理员',
  system: '系统',
}

export const MERCHANT_STATUS_LABELS: Record<string, string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已驳回',
}

export const TRADE_IN_STATUS_LABELS: Record<string, string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已驳回',
  refunded: '已退货退补',
}

export const RECYCLING_STATE_LABELS: Record<string, string> = {
  none: '未预约',
  pending: '已预约上门',
  granted: '已回收',
  lost: '未回收',
}

/** Audit actions: named ones, and staff requests recorded as `METHOD route`. */
const AUDIT_ACTION_LABELS: Record<string, string> = {
  view_personal_data: '查看未脱敏个人信息',
  console_sign_in_approved: '扫码登录管理后台',
  close_account: '注销账号',
  'POST /api/v1/admin/merchants/{id}/approve': '通过商户入驻',
  'POST /api/v1/admin/merchants/{id}/reject': '驳回商户入驻',
  'POST /api/v1/admin/trade-in/applications/{id}/approve': '通过以旧换新补贴',
  'POST /api/v1/admin/trade-in/applications/{id}/reject': '驳回以旧换新补贴',
  'PUT /api/v1/admin/users/{id}/roles': '调整用户角色',
  'POST /api/v1/admin/voucher-campaigns': '创建消费券活动',
  'POST /api/v1/complaints/{id}/accept': '受理投诉',
  'POST /api/v1/complaints/{id}/reject': '不予受理',
  'POST /api/v1/complaints/{id}/transfer': '移送投诉',
  'POST /api/v1/complaints/{id}/assign': '指派承办人',
  'POST /api/v1/complaints/{id}/close': '办结投诉',
  'POST /api/v1/complaints/{id}/notes': '添加备注',
  'POST /api/v1/complaints/{id}/pause': '中止调解计时',
  'POST /api/v1/complaints/{id}/resume': '恢复调解计时',
  'POST /api/v1/merchant/redemptions': '核销消费券',
}

export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action
}

/** Timeline entries of a case. */
export const EVENT_LABELS: Record<string, string> = {
  filed: '提交投诉',
  accepted: '受理',
  rejected: '不予受理',
  transferred: '移送',
  assigned: '指派承办人',
  paused: '中止调解计时',
  resumed: '恢复调解计时',
  merchant_response: '商家答复',
  settlement_accepted: '投诉人接受和解方案',
  settlement_declined: '投诉人拒绝和解方案',
  escalated: '提交市场监管部门',
  closed: '办结',
  termination_notified: '已告知终止调解',
  withdrawn: '撤回',
  note: '备注',
  rated: '评价',
}

/** The tags a shop may carry: the server's list (src/places/tags.rs); it
 * refuses any other with `unknown_tag`. */
export const SHOP_TAGS = [
  '老字号', '离境退税', '免税', '地铁站', '无理由退货', '先行赔付', '24小时', '夜间营业',
  '支持消费券', '以旧换新', '可停车', '无障碍', '外卖', '适老化', '母婴室', '宠物友好',
]
