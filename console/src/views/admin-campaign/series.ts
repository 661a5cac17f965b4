import type { Schemas } from '../../api/client'

/** Per-round bars: claimed, redeemed and left, in round order. */
export function roundSeries(s: Schemas['CampaignStats']) {
  const rounds = [...s.rounds].sort((a, b) => a.seq - b.seq)
  const redeemed = new Map(s.redeemed_by_round.map((r) => [r.seq, r.redeemed]))
  return {
    labels: rounds.map((r) => `第${r.seq}轮`),
    claimed: rounds.map((r) => r.claimed),
    redeemed: rounds.map((r) => redeemed.get(r.seq) ?? 0),
    remaining: rounds.map((r) => r.remaining),
  }
}
