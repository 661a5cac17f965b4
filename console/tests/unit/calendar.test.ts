import { describe, expect, it } from 'vitest'
import { calendarBody, formFromFile, parseDates } from '../../src/views/admin-calendar/calendarForm'

describe('working-day calendar form', () => {
  it('reads dates however the notice was pasted, sorted and once each', () => {
    expect(parseDates('2027-02-07，2027-02-06\n2027-02-06、 2027-02-30 二月八日')).toEqual({
      dates: ['2027-02-06', '2027-02-07'],
      invalid: ['2027-02-30', '二月八日'],
    })
  })

  it('builds the body the server takes', () => {
    const built = calendarBody({ year: '2027', days_off: '2027-01-01\n2027-02-06', makeup_days: '2027-02-14', source: ' 国办发明电 ' })
    expect(built).toEqual({
      ok: true,
      body: { year: 2027, days_off: ['2027-01-01', '2027-02-06'], makeup_days: ['2027-02-14'], source: '国办发明电' },
    })
  })

  it('refuses what the server would, beside the field', () => {
    const built = calendarBody({ year: '2027', days_off: '2026-12-31\n2027-01-01', makeup_days: '2027-01-01', source: '' })
    expect(built.ok).toBe(false)
    if (built.ok) return
    expect(built.fields.days_off).toBe('有不在 2027 年的日期')
    expect(built.fields.makeup_days).toBe('既是休息日又是调休上班日：2027-01-01')
    expect(calendarBody({ year: '27', days_off: '', makeup_days: '', source: '' })).toMatchObject({ ok: false, fields: { year: expect.any(String), days_off: '请填写休息日' } })
  })

  it('takes a year from a file kept like seeds/holidays.json', () => {
    const file = JSON.stringify({ years: [
      { year: 2026, days_off: ['2026-01-01'], makeup_days: [] },
      { year: 2027, days_off: ['2027-01-01', '2027-02-06'], makeup_days: ['2027-02-14'], source: '国务院办公厅' },
    ] })
    expect(formFromFile(file, '2027')).toEqual({ year: '2027', days_off: '2027-01-01\n2027-02-06', makeup_days: '2027-02-14', source: '国务院办公厅' })
    expect(formFromFile(file, '2030')).toBe('文件中没有 2030 年的日历')
    expect(formFromFile('{', '2027')).toBe('文件不是有效的 JSON')
  })
})
