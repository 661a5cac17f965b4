import { describe, expect, it } from 'vitest'
import { ACTION_FORMS } from '../../src/views/handler-case/actions'
import { bodyOf, initialValues, missingFields } from '../../src/utils/actionForms'
import { campaignBody, emptyForm } from '../../src/views/admin-campaigns/campaignForm'
import { codeFromScan, reversibleToday } from '../../src/views/merchant-till/till'
import { toFen, yuan } from '../../src/utils/money'
import { fieldErrors, formError } from '../../src/utils/errors'
import { ApiError } from '../../src/api/client'
import { moveSelection } from '../../src/views/handler-queue/keyboard'

const form = (action: string) => ACTION_FORMS.find((f) => f.action === action)!

describe('handler action forms', () => {
  it('sends only what was filled, money in fen', () => {
    const close = form('close')
    const values = { ...initialValues(close), outcome: 'mediated', compensation_fen: 123.45, note: '  ' }
    expect(bodyOf(close, values)).toEqual({ outcome: 'mediated', compensation_fen: 12345 })
  })

  it('names the required fields left empty before sending', () => {
    const reject = form('reject')
    expect(missingFields(reject, initialValues(reject))).toEqual({ reason_code: '必填' })
    expect(missingFields(reject, { ...initialValues(reject), reason_code: 'over_three_years' })).toEqual({})
  })

  it('makes notes internal unless told otherwise', () => {
    const notes = form('notes')
    expect(bodyOf(notes, { ...initialValues(notes), text: '已电话联系' })).toEqual({ text: '已电话联系', internal: true })
  })

  it('offers a form for every action the server names for handlers', () => {
    for (const a of ['accept', 'reject', 'transfer', 'assign', 'pause', 'resume', 'close', 'termination_notice', 'notes']) {
      expect(form(a)).toBeDefined()
    }
  })
})

describe('campaign form', () => {
  it('sums the rounds into the total and sorts them', () => {
    const f = { ...emptyForm(new Date('2026-12-01T02:00:00Z')), name: '测试券', categories: ['restaurant'], district_codes: ['500103'] }
    f.rounds = [
      { opens_at: '2026-12-08T02:00:00Z', quantity: 300 },
      { opens_at: '2026-12-01T02:00:00Z', quantity: 700 },
    ]
    const built = campaignBody(f)
    expect(built.ok).toBe(true)
    if (built.ok) {
      expect(built.body.total_quantity).toBe(1000)
      expect(built.body.face_value_fen).toBe(2500)
      expect((built.body.rounds as { quantity: number }[]).map((r) => r.quantity)).toEqual([700, 300])
      // Both stock settings are on unless the admin turns them off.
      expect(built.body.return_expired).toBe(true)
      expect(built.body.roll_over_leftovers).toBe(true)
    }
    const kept = campaignBody({ ...f, roll_over_leftovers: false })
    expect(kept.ok && kept.body.roll_over_leftovers).toBe(false)
  })

  it('names the fields it can already tell are wrong', () => {
    const built = campaignBody({ ...emptyForm(), face_value: 'abc' })
    expect(built).toEqual({
      ok: false,
      fields: {
        name: '请输入活动名称',
        categories: '至少选择一个业态',
        district_codes: '至少选择一个区县',
        face_value_fen: '请输入面额，如 25',
      },
    })
  })
})

describe('till', () => {
  it('reads the code out of a scanned payload', () => {
    expect(codeFromScan('https://yuhui.example/v/0123456789ABCDEF')).toBe('0123456789ABCDEF')
    expect(codeFromScan(' 0123-4567-89ab-cdef ')).toBe('0123456789ABCDEF')
  })

  it('reverses only today', () => {
    const entry = {
      redemption_id: 'r',
      code: 'c',
      shop: 's',
      order_amount_fen: 1,
      discount_fen: 1,
      payable_fen: 0,
      redeemed_at: '2026-12-01T15:00:00Z',
      reversed: false,
    }
    expect(reversibleToday(entry, new Date('2026-12-01T15:59:00Z'))).toBe(true)
    // 00:00 in Chongqing is 16:00 UTC.
    expect(reversibleToday(entry, new Date('2026-12-01T16:00:00Z'))).toBe(false)
    expect(reversibleToday({ ...entry, reversed: true }, new Date('2026-12-01T15:59:00Z'))).toBe(false)
  })

  it('parses and prints yuan', () => {
    expect(toFen('128')).toBe(12800)
    expect(toFen('128.5')).toBe(12850)
    expect(toFen('1.234')).toBeNull()
    expect(yuan(12345)).toBe('123.45')
    expect(yuan(-5)).toBe('-0.05')
  })
})

describe('errors beside fields', () => {
  it('maps the server reasons to each field', () => {
    const e = new ApiError(422, 'validation_failed', '参数校验失败', { outcome: ['required'], note: ['length'] })
    expect(fieldErrors(e)).toEqual({ outcome: '必填', note: '长度不符合要求' })
    expect(formError(e)).toBe('请修改标红的字段')
    expect(formError(new ApiError(409, 'invalid_transition', '当前状态不允许该操作'))).toBe('当前状态不允许该操作')
  })
})

describe('queue keys', () => {
  it('moves within the list', () => {
    expect(moveSelection('j', 0, 3)).toBe(1)
    expect(moveSelection('j', 2, 3)).toBe(2)
    expect(moveSelection('k', 0, 3)).toBe(0)
    expect(moveSelection('x', 0, 3)).toBeNull()
    expect(moveSelection('j', 0, 0)).toBeNull()
  })
})

describe('merchant application form', () => {
  it('upper-cases the credit code and sends the commitments', async () => {
    const { applicationBody, emptyApplication } = await import('../../src/views/merchant-applications/applicationForm')
    const built = applicationBody({
      ...emptyApplication(),
      name: ' 解放碑新店 ',
      uscc: '91500103ma60yh9997',
      district_code: '500103',
      address: '渝中区民族路 9 号',
      contact_phone: '023-03830001',
      odr: true,
    })
    expect(built).toEqual({
      ok: true,
      body: {
        name: '解放碑新店',
        uscc: '91500103MA60YH9997',
        district_code: '500103',
        address: '渝中区民族路 9 号',
        contact_phone: '023-03830001',
        commitments: { no_reason_return: false, first_compensation: false, odr: true },
      },
    })
    const empty = applicationBody(emptyApplication())
    expect(empty.ok).toBe(false)
    if (empty.ok) return
    expect(Object.keys(empty.fields).sort()).toEqual(['address', 'contact_phone', 'district_code', 'name', 'uscc'])
  })
})
