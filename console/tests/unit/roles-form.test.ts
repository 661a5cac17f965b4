import { describe, expect, it } from 'vitest'
import { rolesBody } from '../../src/views/admin-roles/rolesForm'

describe('roles form', () => {
  it('keeps the merchant role that merchant approval gave', () => {
    expect(rolesBody(['resident', 'merchant'], ['admin'], [])).toEqual({ roles: ['merchant', 'admin'], handler_districts: [] })
  })

  it('sends districts only with the handler role', () => {
    expect(rolesBody(['resident', 'handler'], [], ['500103'])).toEqual({ roles: [], handler_districts: [] })
    expect(rolesBody(['resident'], ['handler'], ['500106'])).toEqual({ roles: ['handler'], handler_districts: ['500106'] })
  })
})
