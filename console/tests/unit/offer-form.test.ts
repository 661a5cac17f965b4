import { describe, expect, it } from 'vitest'
import { emptyOffer, offerBody } from '../../src/views/merchant-trade-in/offerForm'

const filled = () => ({
  ...emptyOffer(new Date('2026-12-01T02:00:00Z')),
  shop_id: 'shop-1',
  category: 'refrigerator',
  brand: ' 海尔 ',
  model: 'BCD-500',
  price: '4999',
  old_unit_bonus: '200.5',
  efficiency_grade: 1,
})

describe('trade-in offer form', () => {
  it('sends money in fen and the grade only for appliances', () => {
    const appliance = offerBody(filled(), true)
    expect(appliance.ok && appliance.body).toMatchObject({
      brand: '海尔',
      price_fen: 499900,
      old_unit_bonus_fen: 20050,
      efficiency_grade: 1,
    })
    const phone = offerBody({ ...filled(), category: 'phone' }, false)
    expect(phone.ok && 'efficiency_grade' in phone.body).toBe(false)
    expect(phone.ok && 'starts_at' in phone.body).toBe(false)
  })

  it('names the fields it can already tell are wrong, as the server names them', () => {
    const built = offerBody({ ...filled(), price: '100', old_unit_bonus: '100', efficiency_grade: null, brand: ' ' }, true)
    expect(built).toEqual({
      ok: false,
      fields: { brand: '请输入品牌', old_unit_bonus_fen: '旧机回收价须低于售价', efficiency_grade: '家电须填写能效等级' },
    })
  })

  it('refuses an end before the start', () => {
    const built = offerBody({ ...filled(), starts_at: '2026-12-10T00:00:00+08:00', ends_at: '2026-12-09T00:00:00+08:00' }, true)
    expect(built.ok).toBe(false)
    if (!built.ok) expect(built.fields.ends_at).toBe('结束时间须晚于开始时间')
  })
})
