/** The staff roles an admin grants here; `resident` every user has, and
 * `merchant` follows merchant approval. */
export const GRANTABLE = ['handler', 'admin'] as const

/** The body of `PUT /admin/users/{id}/roles`: the roles the user keeps
 * (merchant stays when they staff a merchant) and districts only for handlers. */
export function rolesBody(current: string[], granted: string[], districts: string[]) {
  const roles = [...new Set([...current.filter((r) => r === 'merchant'), ...granted])]
  return { roles, handler_districts: roles.includes('handler') ? districts : [] }
}
