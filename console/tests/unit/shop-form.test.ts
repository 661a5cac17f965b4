import { describe, expect, it } from 'vitest'
import { emptyShopForm, errorUnder, shopBody, shopPatch, spanNote } from '../../src/views/merchant-shops/shopForm'

function filled() {
  const f = emptyShopForm('01936d4a-0000-7000-8001-000000000001')
  Object.assign(f, { name: ' 老四川（观音桥店） ', category: 'restaurant', district_code: '500105', address: '江北区观音桥步行街 8 号', lat: '29.5755', lng: '106.5332' })
  return f
}

describe('shop form', () => {
  it('says where an overnight span ends', () => {
    expect(spanNote('18:00', '02:00')).toBe('跨夜，次日 02:00 打烊')
    expect(spanNote('09:00', '21:00')).toBe('')
    expect(spanNote('09:00', '24:00')).toBe('营业至午夜')
    expect(spanNote('9点', '21:00')).toBe('')
  })

  it('builds the create body with days in order and trimmed text', () => {
    const f = filled()
    f.opening_hours = [{ days: [7, 6], open: '18:00', close: '02:00' }]
    f.exceptions = [{ date: '2027-02-06', closed: true, open: '', close: '', note: ' 除夕休息 ' }]
    const built = shopBody(f)
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.body.name).toBe('老四川（观音桥店）')
    expect(built.body.lat).toBe(29.5755)
    expect(built.body.phone).toBeNull()
    expect(built.body.opening_hours).toEqual([{ days: [6, 7], open: '18:00', close: '02:00' }])
    expect(built.body.exceptions).toEqual([{ date: '2027-02-06', closed: true, note: '除夕休息' }])
  })

  it('names each problem as the server does, so it shows beside its row', () => {
    const f = filled()
    f.lat = '29.5x'
    f.opening_hours = [
      { days: [1], open: '09:00', close: '21:00' },
      { days: [], open: '25:00', close: '25:00' },
    ]
    f.exceptions = [
      { date: '2027-01-01', closed: false, open: '10:00', close: '', note: '' },
      { date: '2027-01-01', closed: true, open: '', close: '', note: '' },
    ]
    const built = shopBody(f)
    expect(built.ok).toBe(false)
    if (built.ok) return
    expect(Object.keys(built.fields).sort()).toEqual([
      'exceptions[0].close',
      'exceptions[1].date',
      'lat',
      'opening_hours[1].close',
      'opening_hours[1].days',
      'opening_hours[1].open',
    ])
    expect(errorUnder(built.fields, 'opening_hours[1].days')).toBe('请选择星期')
    expect(errorUnder(built.fields, 'opening_hours[0].days')).toBeUndefined()
  })

  it('sends only what an edit changed, and the position only when it was retyped', () => {
    const before = filled()
    const after = structuredClone(before)
    after.opening_hours[0].close = '22:30'
    const patch = shopPatch(before, after)
    expect(patch).toEqual({ ok: true, body: { opening_hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '09:00', close: '22:30' }] } })
    after.lng = '106.5340'
    const moved = shopPatch(before, after)
    expect(moved.ok && moved.body).toMatchObject({ lat: 29.5755, lng: 106.534, coord: 'gcj02' })
  })
})
