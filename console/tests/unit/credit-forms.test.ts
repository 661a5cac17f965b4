import { describe, expect, it } from 'vitest'
import { FACTOR_LABELS, answerBody, appealBody, overrideBody, signed } from '../../src/views/merchant-credit/creditForms'

describe('credit forms', () => {
  it('sends an appeal trimmed and names a short statement', () => {
    expect(appealBody('m1', 'accepted', '  其中一件投诉系顾客误会，已当面说明。 ')).toEqual({
      ok: true,
      body: { merchant_id: 'm1', factor_code: 'accepted', statement: '其中一件投诉系顾客误会，已当面说明。' },
    })
    expect(appealBody('m1', 'accepted', '太短')).toEqual({ ok: false, fields: { statement: '申诉理由为 10 到 1000 个字' } })
  })

  it('checks an override field by field, the end date within a year from today', () => {
    expect(overrideBody('D', '抽检不合格限期整改', '2026-12-31', '2026-12-02')).toEqual({
      ok: true,
      body: { grade: 'D', reason: '抽检不合格限期整改', ends_on: '2026-12-31' },
    })
    const wrong = overrideBody('E', '短', '2026-12-01', '2026-12-02')
    expect(wrong.ok).toBe(false)
    if (wrong.ok) return
    expect(Object.keys(wrong.fields).sort()).toEqual(['ends_on', 'grade', 'reason'])
    expect(overrideBody('A', '复查合格恢复等级', '2028-01-01', '2026-12-02').ok).toBe(false)
    expect(overrideBody('A', '复查合格恢复等级', '2026-12-02', '2026-12-02').ok).toBe(true)
  })

  it('needs a decision and a reasoned answer', () => {
    expect(answerBody('', '好').ok).toBe(false)
    expect(answerBody('upheld', '经核实情况属实')).toEqual({ ok: true, body: { decision: 'upheld', answer: '经核实情况属实' } })
    expect(signed(10)).toBe('+10')
    expect(signed(-30)).toBe('-30')
    expect(signed(0)).toBe('0')
  })

  it('labels every factor the server scores', async () => {
    // The labels of seeds/credit_rules.json's factors (src/credit/rules.rs).
    // Vitest runs in console/.
    const rules = await import('node:fs').then((fs) => fs.readFileSync('../src/credit/rules.rs', 'utf8'))
    const codes = [...rules.matchAll(/^\s+"([a-z_]+)",\n\s+"([^"]+)",$/gm)].map((m) => [m[1], m[2]])
    expect(codes.length).toBe(12)
    for (const [code, label] of codes) expect(FACTOR_LABELS[code]).toBe(label)
  })
})
