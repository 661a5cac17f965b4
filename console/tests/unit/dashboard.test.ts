import { describe, expect, it } from 'vitest'
import { complianceSeries, percent, voucherFunnel } from '../../src/views/dashboard/figures'
import type { Schemas } from '../../src/api/client'

const month = (m: string, over: Partial<Schemas['MonthCompliance']>): Schemas['MonthCompliance'] => ({
  month: m,
  received: 0,
  decided: 0,
  decided_in_time: 0,
  decision_overdue: 0,
  mediations_closed: 0,
  mediated_in_time: 0,
  mediation_overdue: 0,
  ...over,
})

describe('dashboard figures', () => {
  it('has no rate where nothing was decided', () => {
    expect(percent(0, 0)).toBeNull()
    expect(percent(2, 3)).toBe(67)
  })

  it('charts the in-time shares per month', () => {
    const s = complianceSeries([
      month('2026-10', { received: 4, decided: 4, decided_in_time: 3, mediations_closed: 2, mediated_in_time: 2 }),
      month('2026-11', { received: 1 }),
    ])
    expect(s).toEqual({ months: ['2026-10', '2026-11'], received: [4, 1], decidedInTime: [75, null], mediatedInTime: [100, null] })
  })

  it('adds campaigns into one funnel', () => {
    const stats = (total_quantity: number, claimed: number, redeemed: number) => ({ total_quantity, claimed, redeemed }) as Schemas['CampaignStats']
    const f = voucherFunnel([
      { name: '餐饮券', stats: stats(100, 50, 10) },
      { name: '零售券', stats: stats(100, 0, 0) },
    ])
    expect(f.rows.map((r) => [r.claimRate, r.redeemRate])).toEqual([[50, 20], [0, null]])
    expect(f.total).toEqual({ name: '合计', issued: 200, claimed: 50, redeemed: 10, claimRate: 25, redeemRate: 20 })
  })
})
