import { describe, expect, it } from 'vitest'
import { auditQuery } from '../../src/views/admin-audit/auditQuery'

const empty = { action: '', actor_id: '', object_id: '', from: '', to: '' }

describe('audit filters', () => {
  it('sends nothing when nothing is chosen', () => {
    expect(auditQuery(empty)).toEqual({ ok: true, query: {} })
  })

  it('turns Chongqing days into a half-open range of instants', () => {
    const built = auditQuery({ ...empty, from: '2026-12-31', to: '2026-12-31' })
    expect(built).toEqual({ ok: true, query: { from: '2026-12-31T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' } })
  })

  it('names the field that is wrong', () => {
    const built = auditQuery({ ...empty, actor_id: 'zhang', from: '2026-12-02', to: '2026-12-01' })
    expect(built).toEqual({ ok: false, fields: { actor_id: '应为 UUID', to: '不能早于起始日期' } })
  })

  it('trims what was pasted', () => {
    const id = '01936d4a-0000-7000-8007-000000000001'
    expect(auditQuery({ ...empty, object_id: ` ${id}\n`, action: ' view_personal_data ' })).toEqual({
      ok: true,
      query: { object_id: id, action: 'view_personal_data' },
    })
  })
})
