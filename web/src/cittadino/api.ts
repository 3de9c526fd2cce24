// The portal's API as the citizens' app calls it: same origin, the session
// cookie, the CSRF token on every state change and the chosen language.

import { lang } from './i18n'

/** One wrong field of a request, as the API's problem lists it. */
export interface FieldProblem {
  path: string
  message: string
}

/** An RFC 9457 problem answered by the API. */
export interface Problem {
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

/** request sends one API call and returns its JSON answer. */
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

// The API's types, as far as the citizens' app reads them.

export interface Session {
  signedIn: boolean
  role?: string
  subject?: string
  name?: string
  level?: string
  csrfToken?: string
}

export interface Comune {
  id: string
  name: string
  email?: string
  pec?: string
  phone?: string
  website?: string
  address?: string
}

export interface Category {
  slug: string
  name: string
  description: string
  order: number
}

export interface ServiceSummary {
  slug: string
  title: string
  category: string
  summary: string
  authLevel: string
  free: boolean
}

export interface Service extends ServiceSummary {
  description: string
  audience: string
  requirements?: string[]
  cost: { free: boolean; description?: string; paymentNotice?: string }
  processingDays?: number
  office?: string
}

export interface ServiceSheet {
  service: Service
  category: Category
  related?: ServiceSummary[]
}

export interface Provider {
  entityId: string
  name: string
  kind: 'spid' | 'cie'
}

export interface Access {
  allowed: boolean
  reason?: 'sign-in' | 'level' | 'terms' | 'profile'
  message?: string
  requiredLevel: string
  loginURL?: string
  termsVersion?: number
  missing?: string[]
}

export interface Address {
  street: string
  postalCode: string
  city: string
  province: string
}

export interface Account {
  fiscalCode: string
  name: string
  familyName: string
  email?: string
  emailVerified: boolean
  suggestedEmail?: string
  mobile?: string
  address: Address
}

export interface Profile {
  account: Account
  complete: boolean
  missing: string[]
}

export interface Terms {
  version: number
  text: string
  publishedAt: string
  accepted?: boolean
}

export interface ProtocolRef {
  number: string
  at: string
}

export interface Entry {
  from: number
  to: number
  event: string
  at: string
  role: string
  note?: string
  protocol?: ProtocolRef
  responseFile?: string
}

export interface Application {
  id: string
  service: string
  status: number
  version: number
  history: Entry[]
  data?: Record<string, unknown>
  attachments?: string[]
  protocol?: ProtocolRef
  createdAt: string
  updatedAt: string
  submittedAt?: string
  group: string
}

export interface ApplicationList {
  items: Application[]
  cursor?: string
  counts: Record<string, number>
}

export interface Message {
  id: string
  at: string
  author: string
  text: string
}

export interface SignedRequest {
  method: string
  url: string
  headers: Record<string, string>
}

export interface PreparedUpload {
  attachment: { id: string; name: string }
  upload: SignedRequest
}

export interface LinkedAttachment {
  attachment: { id: string; name: string }
  application: Application
}
