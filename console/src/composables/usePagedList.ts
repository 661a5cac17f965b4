import { ref, type Ref } from 'vue'
import { formError } from '../utils/errors'

type Page = { items: unknown[]; next_cursor?: string | null }

/** A list read page by page with the API's opaque cursor: `load()` starts
 * over, `load(true)` appends the next page (加载更多). A failed read keeps
 * what was shown and says why in `error`. */
export function usePagedList<P extends Page>(fetchPage: (cursor: string | undefined) => Promise<P>, onPage?: (page: P) => void) {
  const items = ref([]) as Ref<P['items']>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref('')

  async function load(more = false) {
    loading.value = true
    error.value = ''
    try {
      const page = await fetchPage(more ? (nextCursor.value ?? undefined) : undefined)
      items.value = more ? [...items.value, ...page.items] : page.items
      nextCursor.value = page.next_cursor ?? null
      onPage?.(page)
    } catch (e) {
      error.value = formError(e)
    } finally {
      loading.value = false
    }
  }

  return { items, nextCursor, loading, error, load }
}
