// The portal's API as the apps call it: same origin, the session cookie,
// the CSRF token on every state change and the chosen language.

import { lang } from './i18n'

/** One wrong field of a request, as the API's problem lists it. */
export interface FieldProblem {
  path: string
  message: string
}

/** An RFC 9457 problem answered by the API. */
export interface Problem {
  type?: string
  title: string
  status: number
  detail?: string
  errors?: FieldProblem[]
}

/** ApiError carries the API's problem, whose texts are shown as they are. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title)
  }
  get status(): number {
    return this.problem.status
  }
}

let csrf = ''

/** setCSRF keeps the session's token, sent back with every state change. */
export function setCSRF(token: string | undefined): void {
  csrf = token ?? ''
}

/** request sends one API call, with any extra headers, and returns its JSON answer. */
export async function request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': lang(), ...extra }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf
  let resp: Response
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError({ title: '', status: 0 })
  }
  const text = await resp.text()
  const data = text ? safeJSON(text) : undefined
  if (!resp.ok) {
    const p = (data ?? {}) as Partial<Problem>
    throw new ApiError({ ...p, title: p.title ?? resp.statusText, status: resp.status })
  }
  return data as T
}

function safeJSON(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** allPages reads every page of a list the API answers in pages. */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  do {
    const page = await request<{ items: T[]; cursor?: string }>('GET', cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path)
    items.push(...page.items)
    cursor = page.cursor
  } while (cursor)
  return items
}

export interface SignedRequest {
  method: string
  url: string
  headers: Record<string, string>
}

/** upload sends a file with the signed request the API prepared. */
export async function upload(req: SignedRequest, file: Blob): Promise<void> {
  let resp: Response
  try {
    resp = await fetch(req.url, { method: req.method, headers: req.headers, body: file })
  } catch {
    throw new ApiError({ title: '', status: 0 })
  }
  if (!resp.ok) throw new ApiError({ title: resp.statusText, status: resp.status })
}

/** idempotencyKey names one attempt of a request that must not happen twice. */
export function idempotencyKey(): string {
  return crypto.randomUUID()
}

/** tenantPath is the API path of a Comune's resources. */
export function tenantPath(tenant: string, rest = ''): string {
  const path = `/api/v1/tenants/${encodeURIComponent(tenant)}`
  return rest ? `${path}/${rest}` : path
}

export interface ProtocolRef {
  number: string
  at: string
}
