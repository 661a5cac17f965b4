import type { Schemas } from '../../api/client'

/** A share as a whole percentage, or null when there is nothing to divide. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 100) : null
}

/** Per month: of the decisions made, the share made in time; of the
 * mediations closed, the share closed in time. */
export function complianceSeries(months: Schemas['MonthCompliance'][]) {
  return {
    months: months.map((m) => m.month),
    received: months.map((m) => m.received),
    decidedInTime: months.map((m) => percent(m.decided_in_time, m.decided)),
    mediatedInTime: months.map((m) => percent(m.mediated_in_time, m.mediations_closed)),
  }
}

export type FunnelRow = { name: string; issued: number; claimed: number; redeemed: number; claimRate: number | null; redeemRate: number | null }

/** The voucher funnel: put out → claimed → redeemed, per campaign and in all.
 * A redemption reversed at the till no longer counts as redeemed. */
export function voucherFunnel(rows: { name: string; stats: Schemas['CampaignStats'] }[]): { rows: FunnelRow[]; total: FunnelRow } {
  const row = (name: string, issued: number, claimed: number, redeemed: number): FunnelRow => ({
    name,
    issued,
    claimed,
    redeemed,
    claimRate: percent(claimed, issued),
    redeemRate: percent(redeemed, claimed),
  })
  const out = rows.map(({ name, stats }) => row(name, stats.total_quantity, stats.claimed, stats.redeemed))
  const sum = (key: 'issued' | 'claimed' | 'redeemed') => out.reduce((n, r) => n + r[key], 0)
  return { rows: out, total: row('合计', sum('issued'), sum('claimed'), sum('redeemed')) }
}
