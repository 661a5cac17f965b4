import { api, unwrap, type Schemas } from './client'

/** Every shop of the caller's merchants, page by page: a chain has hundreds. */
export async function allMyShops(): Promise<Schemas['ShopDetail'][]> {
  const all: Schemas['ShopDetail'][] = []
  let cursor: string | undefined
  do {
    const page = unwrap(await api.GET('/api/v1/merchant/shops', { params: { query: { limit: 100, cursor } } }))
    all.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return all
}
