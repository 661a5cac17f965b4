import { ApiError } from '../api/client'

/** Readable text for the reasons the server gives per field. */
const REASONS: Record<string, string> = {
  required: '必填',
  length: '长度不符合要求',
  range: '超出允许范围',
  invalid: '格式不正确',
  not_found: '不存在',
  empty: '不能为空',
  in_future: '不能晚于今天',
  unknown_district: '区县代码不存在',
  same_district: '不能移送到本辖区',
  unknown_outcome: '办理结果无效',
  unknown_reason: '理由无效',
  unknown_category: '类别不存在',
  conflict_of_interest: '与本案有利害关系',
  outside_chongqing: '坐标不在重庆市范围内',
  phone_format: '电话格式不正确',
  uscc_checksum: '统一社会信用代码校验不通过，请核对营业执照',
  blank: '不能为空',
  unknown_tag: '标签不存在',
  too_many: '数量过多',
  time_format: '时间格式为 HH:MM',
  same_as_open: '不能与开门时间相同',
  day_range: '星期应为一至日',
  duplicate_date: '日期重复',
  closed_or_hours_required: '请选择全天休息或填写营业时间',
  year_range: '年份超出范围',
  date_outside_year: '有不在该年份的日期',
  day_both_off_and_makeup: '同一天不能既休息又调休上班',
  does_not_match_path: '与所选年份不一致',
  shop_closed: '门店已关闭',
  must_be_below_price: '须低于售价',
  must_be_after_start_and_now: '须晚于开始时间和当前时间',
  required_for_handler: '投诉处理人员须至少负责一个区县',
  only_for_handler: '只有投诉处理人员才有负责区县',
  cannot_remove_own_admin: '不能取消自己的管理员角色',
  unknown_role: '角色不存在',
  merchant_follows_approval: '商户角色随商户审核自动授予，不能在此调整',
  unknown_theme: '主题不存在',
  out_of_range: '超出允许范围',
  count_out_of_range: '站点数须为 1 到 40 个',
  seq_must_run_1_2_3_without_gaps: '站点顺序须从 1 起连续编号',
  first_stop_must_be_on_day_1: '第一站须在第 1 天',
  day_goes_backwards: '日程不能倒退',
  day_skipped: '日程不能跳过一天',
  day_after_route_ends: '超出线路天数',
  no_stop_on_last_day: '最后一天没有站点',
  outside_region: '站点不在重庆市内（川渝线路可在四川）',
  name_the_places_outside_chongqing: '有站点在重庆以外，请填写重庆以外途经地',
  place_name_2_to_40: '地名为 2 到 40 个字',
  minutes_out_of_range: '游览时间为 0 到 720 分钟',
  ticket_out_of_range: '门票超出允许范围',
  unknown_shop: '关联门店不存在或已关闭',
  must_be_after_starts_at: '须晚于开始时间',
  longer_than_a_year: '活动不能长于一年',
  free_event_has_no_price: '免费活动不填票价',
  required_unless_free: '收费活动须填写票价',
  one_of_a_b_c_d: '等级为 A、B、C、D 之一',
  today_to_a_year_ahead: '截止日期为今天起一年内',
  unknown_factor: '没有这一评分因素',
}

/** Field → message, for showing each error beside its field. */
export function fieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {}
  const out: Record<string, string> = {}
  for (const [field, reasons] of Object.entries(e.fields)) {
    // Some reasons name what they refer to after a colon: `unknown_district:500112`.
    out[field] = reasons
      .map((r) => {
        const [code, subject] = r.split(':', 2)
        const text = REASONS[code] ?? code
        return subject ? `${text}：${subject}` : text
      })
      .join('；')
  }
  return out
}

/** The message of an error that belongs to no field. */
export function formError(e: unknown): string {
  if (e instanceof ApiError) return Object.keys(e.fields).length ? '请修改标红的字段' : e.message
  return '网络异常，请稍后重试'
}
