/** The application to register a merchant (`POST /api/v1/merchants`), as
 * far as the console can check it: the server checks the credit code's
 * check character, the district and the phone again. */

export type ApplicationForm = {
  name: string
  uscc: string
  district_code: string
  address: string
  contact_phone: string
  no_reason_return: boolean
  first_compensation: boolean
  odr: boolean
}

export function emptyApplication(): ApplicationForm {
  return {
    name: '',
    uscc: '',
    district_code: '',
    address: '',
    contact_phone: '',
    no_reason_return: false,
    first_compensation: false,
    odr: false,
  }
}

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

export function applicationBody(
  f: ApplicationForm,
): { ok: true; body: Record<string, unknown> } | { ok: false; fields: Record<string, string> } {
  const fields: Record<string, string> = {}
  const uscc = f.uscc.trim().toUpperCase()
  if (f.name.trim().length < 2) fields.name = '请输入商户名称（至少 2 个字）'
  if (!USCC.test(uscc)) fields.uscc = '统一社会信用代码为 18 位数字或大写字母'
  if (!f.district_code) fields.district_code = '请选择所在区县'
  if (f.address.trim().length < 4) fields.address = '请输入经营地址'
  if (!f.contact_phone.trim()) fields.contact_phone = '请输入联系电话'
  if (Object.keys(fields).length) return { ok: false, fields }
  return {
    ok: true,
    body: {
      name: f.name.trim(),
      uscc,
      district_code: f.district_code,
      address: f.address.trim(),
      contact_phone: f.contact_phone.trim(),
      commitments: { no_reason_return: f.no_reason_return, first_compensation: f.first_compensation, odr: f.odr },
    },
  }
}
