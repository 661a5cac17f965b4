/** The row j / k move to, or null for any other key. */
export function moveSelection(key: string, current: number, length: number): number | null {
  if (length === 0) return null
  if (key === 'j' || key === 'ArrowDown') return Math.min(current + 1, length - 1)
  if (key === 'k' || key === 'ArrowUp') return Math.max(current - 1, 0)
  return null
}
