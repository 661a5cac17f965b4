// A case action as a form: the fields its request takes, shared by the
// handler's and the merchant's case pages.
export type Field =
  | { name: string; label: string; kind: 'text' | 'textarea'; required?: boolean }
  | { name: string; label: string; kind: 'select'; options: Record<string, string>; required?: boolean }
  | { name: string; label: string; kind: 'money' }
  | { name: string; label: string; kind: 'switch' }

export type ActionForm = {
  action: string
  title: string
  /** The path under /api/v1/complaints/{id}/. */
  path: string
  fields: Field[]
  danger?: boolean
}

/** The request body of a form: empty text left out, money in fen. */
export function bodyOf(form: ActionForm, values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const f of form.fields) {
    const v = values[f.name]
    if (f.kind === 'switch') body[f.name] = Boolean(v)
    else if (f.kind === 'money') {
      if (typeof v === 'number') body[f.name] = Math.round(v * 100)
    } else if (typeof v === 'string' && v.trim() !== '') body[f.name] = v.trim()
  }
  return body
}

/** Fresh values for a form (internal notes by default, as the API does). */
export function initialValues(form: ActionForm): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const f of form.fields) values[f.name] = f.kind === 'switch' ? true : f.kind === 'money' ? undefined : ''
  return values
}

/** Required fields left empty, as the server would name them. */
export function missingFields(form: ActionForm, values: Record<string, unknown>): Record<string, string> {
  const missing: Record<string, string> = {}
  for (const f of form.fields) {
    const v = values[f.name]
    if ('required' in f && f.required && (v === undefined || v === null || (typeof v === 'string' && !v.trim()))) {
      missing[f.name] = '必填'
    }
  }
  return missing
}
