/** The limit in force for a case, named as the handler knows it. */
export function ruleText(rule: string | null | undefined): string {
  switch (rule) {
    case 'order20':
      return '《市场监督管理投诉举报处理暂行办法》（总局令第20号）：受理之日起45个工作日内终结调解'
    case 'order121':
      return '总局令第121号（2026年4月15日施行）：受理之日起60日内终结调解'
    default:
      return '受理后按受理日期确定：2026年4月15日前受理适用第20号令（45个工作日），此后适用第121号令（60日）'
  }
}
