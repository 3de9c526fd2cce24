// The portal's API as the back office reads it: the client the apps
// share, and the types of the answers this app reads.

import type { ProtocolRef, SignedRequest } from '../common/api'

export { ApiError, request, setCSRF, tenantPath, upload } from '../common/api'

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

export interface QueueItem {
  id: string
  service: string
  applicant: string
  applicantName?: string
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
