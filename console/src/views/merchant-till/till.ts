/** A scanned voucher QR carries the code, maybe inside a URL or a prefix:
 * keep the 16 Crockford base-32 characters the server expects. */
export function codeFromScan(text: string): string {
  const cleaned = text.trim().toUpperCase()
  const m = /([0-9A-HJKMNP-TV-Z]{16})(?![0-9A-Z])/.exec(cleaned.replace(/[\s-]/g, ''))
  return m ? m[1] : cleaned
}

export type TillEntry = {
  redemption_id: string
  code: string
  shop: string
  order_amount_fen: number
  /** Absent on entries kept from before order numbers. */
  order_no?: string
  discount_fen: number
  payable_fen: number
  redeemed_at: string
  reversed: boolean
}

/** Only today's redemptions can be reversed (Asia/Shanghai). */
export function reversibleToday(entry: TillEntry, now = new Date()): boolean {
  const day = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
  return !entry.reversed && day(new Date(entry.redeemed_at)) === day(now)
}
