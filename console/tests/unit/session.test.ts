import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useSession } from '../../src/store/session'
import { homeOf } from '../../src/router/home'
import { nextPoll } from '../../src/views/login/ticket'
import type { Schemas } from '../../src/api/client'

type Role = Schemas['MeView']['roles'][number]

const user = (roles: Role[]) => ({
  id: 'u',
  nickname: '演示',
  phone_masked: null,
  roles,
  merchant_ids: [],
  handler_districts: [],
})

describe('session', () => {
  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
  })

  it('keeps the session for the tab and forgets it on sign-out', () => {
    const s = useSession()
    s.signIn({ token: 't', expires_at: new Date(Date.now() + 60_000).toISOString(), user: user(['resident', 'handler']) })
    expect(s.hasAnyRole(['handler'])).toBe(true)
    expect(s.hasAnyRole(['admin'])).toBe(false)
    setActivePinia(createPinia())
    expect(useSession().signedIn).toBe(true)
    useSession().signOut()
    setActivePinia(createPinia())
    expect(useSession().signedIn).toBe(false)
  })

  it('does not restore an expired session', () => {
    useSession().signIn({ token: 't', expires_at: new Date(Date.now() - 1).toISOString(), user: user(['admin']) })
    setActivePinia(createPinia())
    expect(useSession().signedIn).toBe(false)
  })

  it('opens the page of the first staff role', () => {
    expect(homeOf(['resident', 'handler', 'admin'])).toBe('queue')
    expect(homeOf(['resident', 'merchant'])).toBe('till')
    expect(homeOf(['resident', 'admin'])).toBe('campaigns')
  })

  it('asks for a new code when a ticket can no longer sign in', () => {
    expect(nextPoll('pending')).toBe('pending')
    expect(nextPoll('expired')).toBe('expired')
    expect(nextPoll('consumed')).toBe('consumed')
  })
})
