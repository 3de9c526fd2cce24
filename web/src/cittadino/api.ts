// The portal's API as the citizens' app reads it: the client the apps
// share, and the types of the answers this app reads.

import type { ProtocolRef, SignedRequest } from '../common/api'

export {
  ApiError,
  idempotencyKey,
  request,
  setCSRF,
  tenantPath,
  upload,
  type FieldProblem,
  type Problem,
  type ProtocolRef,
  type SignedRequest,
} from '../common/api'
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

export interface PreparedUpload {
  attachment: { id: string; name: string }
  upload: SignedRequest
}

export interface LinkedAttachment {
  attachment: { id: string; name: string }
  application: Application
}
