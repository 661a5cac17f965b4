// The release binary on a fresh SQLite database, and a small client for its
// API: shared by the end-to-end suite and bench/console.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

/** Starts `bin` on `port` with its database and uploads under `work`, and
 * waits until it answers /ready. */
export async function startServer({ bin, port, work, logs = 'inherit' }) {
  const server = spawn(bin, [], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${work}/yuhui.db?mode=rwc`,
      YUHUI_UPLOAD_DIR: join(work, 'uploads'),
      YUHUI_BIND: `127.0.0.1:${port}`,
      RUST_LOG: 'error',
      // Every user of the suite signs in from 127.0.0.1: one address, many people.
      YUHUI_LOGIN_RATE_LIMIT: '1000',
    },
    stdio: ['ignore', logs, 'inherit'],
  })
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`yuhui exited with ${server.exitCode}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return server
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('yuhui did not become ready')
}

/** `call(method, path, {token, body, headers})` → `{status, body}` against
 * `/api/v1` of `base`; `login(openid)` → a token through the dev login. */
export function apiClient(base) {
  async function call(method, path, { token, body, headers = {} } = {}) {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  async function login(openid) {
    const res = await call('POST', '/auth/dev/login', { body: { openid } })
    if (res.status !== 200) throw new Error(`dev login as ${openid}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body.token
  }
  return { call, login }
}
