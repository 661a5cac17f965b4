import { describe, expect, it } from 'vitest'
import { deadlineBadges, shanghaiToday, weekdaysUntil } from '../../src/utils/deadline'

const d = (date: string, overdue = false, provisional = false) => ({ date, overdue, provisional })

describe('deadline badges', () => {
  it('counts weekdays only', () => {
    // 2026-12-04 is a Friday.
    expect(weekdaysUntil('2026-12-04', '2026-12-07')).toBe(1)
    expect(weekdaysUntil('2026-12-01', '2026-12-01')).toBe(0)
    expect(weekdaysUntil('2026-12-07', '2026-12-04')).toBe(-1)
  })

  it('marks overdue, due within a working day and provisional deadlines', () => {
    const base = { paused: false, decide_by: d('2026-12-02') }
    expect(deadlineBadges(base, 'submitted', '2026-12-01').map((b) => b.label)).toEqual(['一个工作日内到期'])
    expect(deadlineBadges({ ...base, decide_by: d('2026-11-30', true) }, 'submitted', '2026-12-01')[0]).toEqual({
      label: '已超期',
      type: 'danger',
    })
    const accepted = { ...base, mediate_by: d('2027-02-10', false, true) }
    expect(deadlineBadges(accepted, 'accepted', '2026-12-01').map((b) => b.label)).toEqual(['暂定期限'])
    // A decided case shows no deadline of its own.
    expect(deadlineBadges(base, 'closed', '2026-12-01')).toEqual([])
  })

  it('takes the day in Chongqing', () => {
    expect(shanghaiToday(new Date('2026-12-01T16:30:00Z'))).toBe('2026-12-02')
  })
})
