/** The audit screen's filters, checked and turned into the query the API
 * takes (dates are Chongqing days: from its midnight to the next). */
export type AuditFilters = { action: string; actor_id: string; object_id: string; from: string; to: string }

export type AuditQuery = { action?: string; actor_id?: string; object_id?: string; from?: string; to?: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

export function auditQuery(f: AuditFilters): { ok: true; query: AuditQuery } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const actor = f.actor_id.trim()
  const object = f.object_id.trim()
  if (actor && !UUID.test(actor)) fields.actor_id = '应为 UUID'
  if (object && !UUID.test(object)) fields.object_id = '应为 UUID'
  if (f.from && f.to && f.to < f.from) fields.to = '不能早于起始日期'
  if (Object.keys(fields).length) return { ok: false, fields }
  const query: AuditQuery = {}
  if (f.action.trim()) query.action = f.action.trim()
  if (actor) query.actor_id = actor
  if (object) query.object_id = object
  if (f.from) query.from = `${f.from}T00:00:00+08:00`
  if (f.to) query.to = `${nextDay(f.to)}T00:00:00+08:00`
  return { ok: true, query }
}
