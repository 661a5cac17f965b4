import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { setToken, type Schemas } from '../api/client'

type Me = Schemas['MeView']
type Session = { token: string; expires_at: string; user: Me }

// The tab keeps its session; closing the browser ends it.
const STORAGE_KEY = 'yuhui.console.session'

function restore(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null
    return saved && new Date(saved.expires_at).getTime() > Date.now() ? saved : null
  } catch {
    return null
  }
}

export const useSession = defineStore('session', () => {
  const current = ref<Session | null>(restore())
  setToken(current.value?.token ?? null)
  let expiry: ReturnType<typeof setTimeout> | undefined

  const user = computed(() => current.value?.user ?? null)
  const roles = computed<string[]>(() => current.value?.user.roles ?? [])
  const signedIn = computed(() => current.value !== null)

  function hasAnyRole(wanted: string[] | undefined): boolean {
    return !wanted || wanted.some((r) => roles.value.includes(r))
  }

  function scheduleExpiry(onExpired: () => void) {
    clearTimeout(expiry)
    if (!current.value) return
    const ms = new Date(current.value.expires_at).getTime() - Date.now()
    // setTimeout holds at most ~24.8 days.
    expiry = setTimeout(onExpired, Math.max(0, Math.min(ms, 2 ** 31 - 1)))
  }

  function signIn(session: Session) {
    current.value = session
    setToken(session.token)
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  }

  function signOut() {
    clearTimeout(expiry)
    current.value = null
    setToken(null)
    sessionStorage.removeItem(STORAGE_KEY)
  }

  return { current, user, roles, signedIn, hasAnyRole, signIn, signOut, scheduleExpiry }
})
