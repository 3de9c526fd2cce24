// What the browser tests share: Debian's chromium or the reason to skip,
// pages that record console errors and content-policy violations, waits on
// what the page shows, and the staff's sign-in through the back office.

import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromiumPath, totp } from './portal.js'

/** executablePath is the chromium the tests drive, '' when there is none. */
export const executablePath = chromiumPath()

/** skip is why a browser test skips: no chromium, except on CI, where that fails. */
export const skip =
  !executablePath && process.env.CI !== 'true'
    ? 'chromium is not installed (Debian: apt-get install chromium); CI=true makes this a failure'
    : false

/** screenshots makes the directory for a test's screenshots and says where it is. */
export function screenshots(t, name) {
  const dir = join(tmpdir(), `stanza-${name}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  t.diagnostic(`screenshots in ${dir}`)
  return dir
}

/**
 * watched opens a page that records console errors, uncaught exceptions
 * and content-policy violations. The API's expected refusals (4xx answers
 * to its own calls, which Chromium logs as failed loads) are the only
 * errors let through.
 */
export async function watched(context, problems) {
  const page = await context.newPage()
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    const expected = /status of 4\d\d/.test(m.text()) && new URL(m.location().url || 'x:').pathname.startsWith('/api/')
    if (!expected) problems.push(`${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`))
  return page
}

/** expectText waits until locator contains text. */
export async function expectText(locator, text) {
  const deadline = Date.now() + 10000
  let seen = ''
  while (Date.now() < deadline) {
    seen = (await locator.allInnerTexts().catch(() => [])).join('\n')
    if (seen.includes(text)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.fail(`got ${JSON.stringify(seen)}, want it to contain ${JSON.stringify(text)}`)
}

/** expectCount waits until locator matches n elements. */
export async function expectCount(locator, n) {
  const deadline = Date.now() + 10000
  let got = -1
  while (Date.now() < deadline) {
    got = await locator.count()
    if (got === n) return
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.fail(`got ${got} elements, want ${n}`)
}

/** fitsWidth fails when the page scrolls sideways. */
export async function fitsWidth(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }))
  assert.ok(scroll <= client, `the page is ${scroll} px wide on a ${client} px screen`)
}

/** signIn signs a member of staff in through the back office's forms, on to the queues. */
export async function signIn(page, base, username, password, totpSecret) {
  await page.goto(`${base}/backoffice/`)
  await page.getByRole('heading', { level: 1, name: 'Accesso all’area operatori' }).waitFor()
  await page.getByLabel('Nome utente').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Accedi' }).click()
  await page.getByRole('heading', { level: 1, name: 'Verifica in due passaggi' }).waitFor()
  await page.getByLabel('Codice di verifica').fill(totp(totpSecret))
  await page.getByRole('button', { name: 'Verifica e accedi' }).click()
  await page.waitForURL(`${base}/backoffice/pratiche`)
}
