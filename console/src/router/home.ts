/** The first page the signed-in user's roles open. */
export function homeOf(roles: string[]): string {
  if (roles.includes('handler')) return 'queue'
  if (roles.includes('merchant')) return 'till'
  if (roles.includes('admin')) return 'campaigns'
  return 'login'
}
