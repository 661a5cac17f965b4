import { describe, expect, it } from 'vitest'
import { usePagedList } from '../../src/composables/usePagedList'
import { ApiError } from '../../src/api/client'

describe('paged lists', () => {
  it('starts over, appends the next page, and keeps what it showed when a read fails', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      first: { items: [1, 2], next_cursor: 'c2' },
      c2: { items: [3], next_cursor: null },
    }
    let fail = false
    const seen: number[] = []
    const list = usePagedList(
      async (cursor) => {
        if (fail) throw new ApiError(503, 'upstream_unavailable', '服务暂不可用', {}, {})
        return pages[cursor ?? 'first']
      },
      (page) => seen.push(page.items.length),
    )
    await list.load()
    expect(list.items.value).toEqual([1, 2])
    expect(list.nextCursor.value).toBe('c2')
    await list.load(true)
    expect(list.items.value).toEqual([1, 2, 3])
    expect(list.nextCursor.value).toBeNull()
    fail = true
    await list.load()
    expect(list.items.value).toEqual([1, 2, 3])
    expect(list.error.value).toBe('服务暂不可用')
    expect(list.loading.value).toBe(false)
    expect(seen).toEqual([2, 1])
  })
})
