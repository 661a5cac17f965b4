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
}
