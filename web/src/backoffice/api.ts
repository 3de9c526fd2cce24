// The portal's API as the back office calls it: same origin, the session
// cookie, the CSRF token on every state change and the chosen language.

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

/** request sends one API call and returns its JSON answer. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': lang() }
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

/** tenantPath is the API path of a Comune's resources. */
export function tenantPath(tenant: string, rest = ''): string {
  const path = `/api/v1/tenants/${encodeURIComponent(tenant)}`
  return rest ? `${path}/${rest}` : path
}

// The API's types, as far as the back office reads them.

export interface Session {
  signedIn: boolean
  role?: string
  subject?: string
  tenant?: string
  name?: string
  services?: string[]
  manages?: string[] // offices whose applications the operator may reassign
  csrfToken?: string
}

export interface LoginStep {
  step: 'totp' | 'enrol'
  challenge: string
  secret?: string
  otpauthURL?: string
  qrCode?: string
}

export interface OperatorSession extends Session {
  recoveryCodes?: string[]
}

export interface Comune {
  id: string
  name: string
}

export interface ServiceSummary {
  slug: string
  title: string
}

export interface ProtocolRef {
  number: string
  at: string
}

export interface QueueItem {
  id: string
  service: string
  applicant: string
  status: number
  protocol?: ProtocolRef
  assignee?: string
  office?: string
  submittedAt: string
  updatedAt: string
}

export type Queue = 'da-assegnare' | 'da-gestire' | 'concluse' | 'tutte'

export interface QueueList {
  items: QueueItem[]
  cursor?: string
  counts: Partial<Record<Queue, number>>
}

export interface Entry {
  from: number
  to: number
  event: string
  at: string
  role: string
  by?: string
  note?: string
  protocol?: ProtocolRef
  responseFile?: string
}

export interface Application {
  id: string
  tenant: string
  service: string
  applicant: string
  status: number
  version: number
  history: Entry[]
  data?: Record<string, unknown>
  attachments?: string[]
  protocol?: ProtocolRef
  createdAt: string
  updatedAt: string
  submittedAt?: string
  assignee?: string
  office?: string
}

export interface Note {
  id: string
  at: string
  by: string
  text: string
}

export interface NoteList {
  items: Note[]
  cursor?: string
}

export interface SignedRequest {
  method: string
  url: string
  headers: Record<string, string>
}

export interface ResponseFileUpload {
  file: { id: string; name: string }
  upload: SignedRequest
}

export interface ProtocolConfig {
  service: string
  required: boolean
  register: string
  format: string
  example: string
}

export interface Count {
  period: string
  count: number
}

export interface ServiceMetrics {
  service: string
  byStatus: Record<string, number>
  submissionsPerDay: Count[]
  submissionsPerWeek: Count[]
  medianHours: number | null
  p90Hours: number | null
  backlogOldestAge: number | null
}

/** Operator is a member of staff as the admins' API shows the account. */
export interface Operator {
  username: string
  name: string
  email: string
  role: 'operator' | 'admin'
  services: string[]
  offices: string[]
  disabled: boolean
  enrolled: boolean
  lockedUntil?: string
  createdAt: string
  createdBy?: string
  passwordChangedAt?: string
}

export interface CreatedOperator {
  operator: Operator
  initialPassword?: string
}

/** Assignee is someone an application can be reassigned to. */
export interface Assignee {
  username: string
  name: string
  offices: { id: string; name: string }[]
}

export interface Office {
  id: string
  name: string
  managers: string[]
}

export interface APIKey {
  id: string
  name: string
  scopes: string[]
  createdAt: string
  createdBy: string
  revokedAt?: string
}

export interface IssuedAPIKey {
  key: APIKey
  token: string
}

export interface Webhook {
  id: string
  url: string
  events: string[]
  createdAt: string
  createdBy: string
}

export interface CreatedWebhook {
  webhook: Webhook
  secret: string
}

export interface Delivery {
  subscription: string
  event: { id: string; type: string; application: string; service: string; from?: number; to?: number; at: string }
  seq: number
  status: 'pending' | 'delivered' | 'failed'
  attempts: { at: string; statusCode?: number; error?: string }[]
  createdAt: string
  nextAt?: string
}

export interface DeliveryPage {
  items: Delivery[]
  cursor?: string
}
