import type { Schemas } from '../api/client'

export type Badge = { label: string; type: 'danger' | 'warning' | 'info' | 'success' }

/** Working days from `today` to `date`, counting Monday–Friday only (a
 * console-side approximation for the badge; the server's dates are the law). */
export function weekdaysUntil(today: string, date: string): number {
  const start = new Date(`${today}T00:00:00Z`)
  const end = new Date(`${date}T00:00:00Z`)
  const step = end >= start ? 1 : -1
  let n = 0
  for (let d = new Date(start); d.getTime() !== end.getTime(); d.setUTCDate(d.getUTCDate() + step)) {
    const next = new Date(d)
    next.setUTCDate(next.getUTCDate() + step)
    const day = next.getUTCDay()
    if (day !== 0 && day !== 6) n += step
  }
  return n
}

/** The deadline that matters now: decide-by until accepted, then mediate-by. */
export function currentDeadline(d: Schemas['Deadlines'], status: string): Schemas['Deadline'] | null {
  if (status === 'submitted' || status === 'merchant_window') return d.decide_by
  if (status === 'accepted') return d.mediate_by ?? null
  return null
}

/** The badges a case shows in the queue. */
export function deadlineBadges(d: Schemas['Deadlines'], status: string, today: string): Badge[] {
  const deadline = currentDeadline(d, status)
  const badges: Badge[] = []
  if (deadline) {
    if (deadline.overdue) badges.push({ label: '已超期', type: 'danger' })
    else if (weekdaysUntil(today, deadline.date) <= 1) badges.push({ label: '一个工作日内到期', type: 'warning' })
    if (deadline.provisional) badges.push({ label: '暂定期限', type: 'info' })
  }
  if (d.paused) badges.push({ label: '中止计时', type: 'info' })
  return badges
}

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function shanghaiToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}
