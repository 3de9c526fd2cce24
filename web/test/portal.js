// The local portal for the browser test: the server built from this tree on
// a free port with a temporary data directory and the demo Comune, and a
// citizen who files an application through the API.

import { spawn, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')

/** chromiumPath finds Debian's chromium, or says why there is none. */
export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' })
  return found.stdout.trim().split('\n')[0] || ''
}

/** demoStaff reads the demo staff's published credentials from the seed: the operator's, and the admin's under admin. */
export function demoStaff() {
  const src = readFileSync(join(root, 'shared/seed/staff.go'), 'utf8')
  const constant = (name) => {
    const m = src.match(new RegExp(`${name}\\s*=\\s*"([^"]+)"`))
    if (!m) throw new Error(`seed/staff.go has no ${name}`)
    return m[1]
  }
  return {
    username: constant('DemoOperatorUsername'),
    password: constant('DemoOperatorPassword'),
    totpSecret: constant('DemoTOTPSecret'),
    admin: { username: constant('DemoAdminUsername'), password: constant('DemoAdminPassword') },
  }
}

/** totp is the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at time ms. */
export function totp(secret, ms = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)))
  const mac = createHmac('sha1', key).update(counter).digest()
  const offset = mac[mac.length - 1] & 0xf
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000
  return String(n).padStart(6, '0')
}

/**
 * startPortal runs build/stanza on 127.0.0.1:0 and resolves with its URL
 * once it listens; stop ends it and removes its data.
 */
export async function startPortal() {
  const bin = join(root, 'build/stanza')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build it with "go build -o build/stanza ./cmd/stanza" (make web-test does)`)
  const dataDir = mkdtempSync(join(tmpdir(), 'stanza-web-data-'))
  const child = spawn(bin, [], {
    env: { ...process.env, STANZA_MODE: 'local', STANZA_ADDR: '127.0.0.1:0', STANZA_DATA_DIR: dataDir, STANZA_SEED: 'true', STANZA_BASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the portal did not start in 30 s:\n${log}`)), 30000)
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk) => {
      log += chunk
      for (const line of log.split('\n')) {
        try {
          const entry = JSON.parse(line)
          if (entry.msg === 'stanza is running') {
            clearTimeout(timer)
            ok(entry.url)
          }
        } catch {
          // a partial line: more is coming
        }
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`the portal exited with ${code}:\n${log}`))
    })
  })
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Client is a browser-like HTTP client: cookies, no redirects followed. */
export class Client {
  cookies = new Map()
  csrf = ''

  async send(url, { method = 'GET', json, form, headers = {} } = {}) {
    const h = { ...headers }
    if (this.cookies.size) h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    if (method !== 'GET' && this.csrf) h['X-CSRF-Token'] = this.csrf
    let body
    if (form) {
      body = new URLSearchParams(form).toString()
      h['Content-Type'] = 'application/x-www-form-urlencoded'
    } else if (json !== undefined) {
      body = JSON.stringify(json)
      h['Content-Type'] = 'application/json'
    }
    const resp = await fetch(url, { method, headers: h, body, redirect: 'manual' })
    for (const c of resp.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i).trim()
      const value = pair.slice(i + 1).trim()
      if (value === '' || /max-age=(0|-)/i.test(c)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await resp.text()
    return { status: resp.status, location: resp.headers.get('location'), text }
  }

  /** api sends a JSON request and returns the answer, failing on a status other than want. */
  async api(method, url, json, want = [200, 201], headers = {}) {
    const r = await this.send(url, { method, json, headers })
    if (![want].flat().includes(r.status)) throw new Error(`${method} ${url}: got ${r.status}, want ${want}\n${r.text}`)
    return r.text ? JSON.parse(r.text) : undefined
  }
}

const entities = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }
const unescape = (s) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e) => {
    if (e[0] !== '#') return entities[e] ?? all
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
  })

/** formOf returns the action and hidden fields of a page's first form. */
function formOf(page, base) {
  const action = page.match(/<form[^>]*action="([^"]+)"/)
  if (!action) throw new Error(`no form in:\n${page}`)
  const fields = {}
  for (const m of page.matchAll(/<input[^>]*type="hidden"[^>]*name="([A-Za-z]+)"\s+value="([^"]*)"/g)) fields[m[1]] = unescape(m[2])
  return { action: new URL(unescape(action[1]), base).href, fields }
}

/**
 * readyCitizen signs a test citizen in through the test identity provider,
 * accepts the terms and completes the profile, email verified from the
 * local mailbox: what every service asks first.
 */
export async function readyCitizen(base, identity, email) {
  const c = new Client()
  const login = await c.send(`${base}/auth/login?${new URLSearchParams({ idp: `${base}/_testidp/metadata`, level: 'spid-l2', next: '/' })}`)
  if (login.status !== 302) throw new Error(`login: ${login.status} ${login.text}`)
  const picker = formOf((await c.send(login.location)).text, base)
  const post = formOf((await c.send(picker.action, { method: 'POST', form: { ...picker.fields, identity } })).text, base)
  const acs = await c.send(post.action, { method: 'POST', form: post.fields })
  if (acs.status !== 303) throw new Error(`ACS: ${acs.status} ${acs.text}`)
  const session = await c.api('GET', `${base}/api/v1/session`)
  if (session.role !== 'citizen') throw new Error(`session: ${JSON.stringify(session)}`)
  c.csrf = session.csrfToken

  const terms = await c.api('GET', `${base}/api/v1/tenants/esempio/terms`)
  await c.api('POST', `${base}/api/v1/tenants/esempio/terms/acceptances`, { version: terms.version })
  await c.api('PATCH', `${base}/api/v1/me`, {
    email,
    mobile: '+39 333 1234567',
    address: { street: 'Via Roma 1', postalCode: '20121', city: 'Milano', province: 'MI' },
  })
  await c.api('POST', `${base}/api/v1/me/email-verification`)
  const list = (await c.send(`${base}/_mailbox/`)).text
  const message = list.match(/href="(\/_mailbox\/[^"]+)"/)
  if (!message) throw new Error(`no message in the mailbox:\n${list}`)
  const link = (await c.send(base + message[1])).text.match(/<a href="([^"]+verifica-email[^"]+)"/)
  if (!link) throw new Error('no verification link in the message')
  // The link opens the citizens' app, whose page makes this call.
  const token = new URL(unescape(link[1])).searchParams.get('token')
  await c.api('GET', `${base}/api/v1/email-verification?${new URLSearchParams({ token })}`)
  return c
}

/** A minimal PDF, as the portal's file checks accept it. */
export const pdf = '%PDF-1.4\n%stanza test\n%%EOF'

/** attach uploads a PDF to the citizen's application through the signed URL flow. */
export async function attach(c, apps, id, fileName) {
  const prepared = await c.api('POST', `${apps}/${id}/attachments`, { fileName, mediaType: 'application/pdf', size: pdf.length })
  const up = await fetch(prepared.upload.url, { method: prepared.upload.method, headers: prepared.upload.headers, body: pdf })
  if (!up.ok) throw new Error(`upload: ${up.status}`)
  const linked = await c.api('POST', `${apps}/${id}/attachments/${prepared.attachment.id}/confirmation`, {})
  return { id: prepared.attachment.id, version: linked.application.version }
}

/** nurseryData is a complete nursery enrolment with the ISEE certificate file. */
export function nurseryData(file) {
  return {
    applicant: {
      data: {
        completename: { data: { name: 'Giulia', surname: 'Bellandi' } },
        fiscal_code: { data: { fiscal_code: 'BLLGLI93B67A944K' } },
        born: { data: { birth_date: '27/02/1993', place_of_birth: 'Bologna' } },
        address: {
          data: { address: 'Via Roma', house_number: '1', municipality: 'Esempio', county: 'TO', postal_code: '10100', country: 'Italia' },
        },
        email_address: 'giulia.bellandi@example.org',
        phone_number: '+39 333 1234567',
      },
    },
    child_name: 'Sara',
    child_surname: 'Bellandi',
    child_fiscal_code: 'BLLSRA25C52A944Z',
    child_birth_date: '12/03/2025',
    disability: false,
    parents: [
      { name: 'Giulia', surname: 'Bellandi', fiscal_code: 'BLLGLI93B67A944K', role: 'madre', work: 'dipendente', phone: '333 1234567' },
      { name: 'Luca', surname: 'Bellandi', fiscal_code: 'BLLLCU90L08D612P', role: 'padre', work: 'autonomo' },
    ],
    nurseries: { 'nido-girasole': true, 'nido-arcobaleno': false, 'nido-coccinella': false, 'micronido-piccoli-passi': false },
    attendance: 'tempo-pieno',
    has_isee: 'si',
    isee_value: 18250.5,
    dsu_protocol: 'INPS-ISEE-2026-00012345X-00',
    isee_certificate: [{ name: 'isee.pdf', size: pdf.length, type: 'application/pdf', key: file }],
    truthful: true,
    privacy: true,
  }
}

/** eventually polls cond until it returns {ok: true, value}, for up to 20 s, and returns value. */
export async function eventually(what, cond) {
  const deadline = Date.now() + 20000
  let last
  for (;;) {
    last = await cond()
    if (last && last.ok) return last.value
    if (Date.now() > deadline) throw new Error(`${what}: still not done; last seen ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
