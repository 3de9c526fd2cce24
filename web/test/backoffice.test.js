// The operators' back office in headless Chromium, against the local
// portal built from this tree: a citizen files an application through the
// API, and an operator works it in the browser from sign-in to decision.
// Any console error or content-policy violation fails the test.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { executablePath, expectCount, expectText, fitsWidth, screenshots, skip, watched } from './browser.js'
import { attach, demoStaff, eventually, nurseryData, pdf, readyCitizen, startPortal, totp } from './portal.js'

test('an operator works an application in the back office', { skip, timeout: 240000 }, async (t) => {
  assert.ok(executablePath, 'chromium is required on CI: install Debian\'s chromium package')
  const shots = screenshots(t, 'backoffice')
  const portal = await startPortal()
  const problems = []
  let browser, page
  try {
    const base = portal.url
    const apps = `${base}/api/v1/tenants/esempio/applications`
    const staff = demoStaff()

    // A citizen files a nursery enrolment; the worker registers it.
    const citizen = await readyCitizen(base, 'TSTIDP0000005', 'giulia.bellandi@example.org')
    const draft = await citizen.api('POST', apps, { service: 'iscrizione-asilo-nido' })
    const isee = await attach(citizen, apps, draft.id, 'isee.pdf')
    await citizen.api('PATCH', `${apps}/${draft.id}`, { version: isee.version, step: 4, data: nurseryData(isee.id) })
    await citizen.api('POST', `${apps}/${draft.id}/submission`, { confirmed: true }, 200, { 'Idempotency-Key': `invio-${draft.id}` })
    const id = draft.id
    const registered = await eventually('registration', async () => {
      const a = await citizen.api('GET', `${apps}/${id}`)
      return { ok: a.status === 3000, value: a }
    })

    browser = await chromium.launch({ executablePath, headless: true })
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await watched(desktop, problems)
    const shot = (name, p = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

    // Sign-in: the API's refusals are shown next to the form.
    await page.goto(`${base}/backoffice/`)
    await page.getByRole('heading', { level: 1, name: 'Accesso all’area operatori' }).waitFor()
    await page.getByLabel('Nome utente').fill(staff.username)
    await page.getByLabel('Password').fill('non-la-password')
    let refusal = page.waitForResponse((r) => r.url().endsWith('/operator-login'))
    await page.getByRole('button', { name: 'Accedi' }).click()
    let detail = (await (await refusal).json()).detail
    assert.ok(detail, 'a wrong password gets a problem with a detail')
    await expectText(page.getByRole('alert'), detail)
    await shot('01-wrong-password')

    await page.getByLabel('Password').fill(staff.password)
    await page.getByRole('button', { name: 'Accedi' }).click()
    await page.getByRole('heading', { level: 1, name: 'Verifica in due passaggi' }).waitFor()
    const wrong = totp(staff.totpSecret) === '000000' ? '111111' : '000000'
    await page.getByLabel('Codice di verifica').fill(wrong)
    refusal = page.waitForResponse((r) => r.url().endsWith('/operator-login/totp'))
    await page.getByRole('button', { name: 'Verifica e accedi' }).click()
    detail = (await (await refusal).json()).detail
    await expectText(page.getByRole('alert'), detail)
    await page.getByLabel('Codice di verifica').fill(totp(staff.totpSecret))
    await page.getByRole('button', { name: 'Verifica e accedi' }).click()

    // The queue: the application waits in "Da assegnare", counted.
    await page.waitForURL(`${base}/backoffice/pratiche`)
    await page.getByRole('heading', { level: 1, name: 'Pratiche' }).waitFor()
    await expectText(page.locator('[data-count="da-assegnare"]'), '1')
    const rows = page.locator('tbody tr')
    assert.equal(await rows.count(), 1)
    await expectText(rows.first(), registered.protocol.number)
    await expectText(rows.first(), 'Protocollata')
    await shot('02-queue')

    // The search finds it by fiscal code, and the URL keeps the search.
    await page.getByLabel('Cerca una pratica').fill(registered.applicant)
    await page.getByRole('button', { name: 'Cerca', exact: true }).click()
    await page.waitForURL(/q=BLLGLI93B67A944K/)
    await page.getByRole('heading', { name: /Risultati per/ }).waitFor()
    assert.equal(await rows.count(), 1)
    await page.reload()
    await expectText(rows.first(), registered.protocol.number)

    // And by the beginning of the applicant's names, which the row shows.
    await page.getByLabel('Cerca una pratica').fill('bellandi giu')
    await page.getByRole('button', { name: 'Cerca', exact: true }).click()
    await page.waitForURL(/q=bellandi/)
    await expectText(rows.first(), 'Giulia Bellandi')
    assert.equal(await rows.count(), 1)

    // The detail: the data, the attachment, the history.
    await rows.first().getByRole('link').click()
    await page.waitForURL(`${base}/backoffice/pratiche/${id}`)
    await expectText(page.locator('main'), 'Sara')
    await page.getByRole('region', { name: 'Allegati' }).getByRole('link', { name: /isee\.pdf/ }).waitFor()
    const history = page.locator('[data-history] > li')
    await expectCount(history, 2)
    await expectText(history.last(), 'Protocollata')

    // Take in charge, then ask for an integration.
    await page.getByRole('button', { name: 'Prendi in carico' }).click()
    await expectText(page.getByRole('status'), 'Pratica presa in carico.')
    await expectCount(history, 3)
    await expectText(history.last(), 'Presa in carico')
    await expectText(history.last(), staff.username)
    await page.getByRole('button', { name: 'Richiedi l’integrazione' }).click()
    await expectText(page.getByRole('alert'), 'Scrivi cosa deve integrare il cittadino.')
    await page.getByLabel('Cosa deve integrare il cittadino').fill('Allegare l’attestazione ISEE aggiornata.')
    await page.getByRole('button', { name: 'Richiedi l’integrazione' }).click()
    await expectText(page.getByRole('status'), 'Integrazione richiesta')
    await expectCount(history, 4)
    await expectText(history.last(), 'Allegare l’attestazione ISEE aggiornata.')
    await page.getByLabel('Nuova nota interna').fill('Verificare con l’ufficio scuola.')
    await page.getByRole('button', { name: 'Aggiungi la nota' }).click()
    await expectText(page.locator('[data-notes]'), 'Verificare con l’ufficio scuola.')
    await shot('03-integration-requested')

    // The citizen integrates through the API; the worker registers it.
    await citizen.api('POST', `${apps}/${id}/integration`, {})
    await attach(citizen, apps, id, 'isee-2026.pdf')
    await citizen.api('POST', `${apps}/${id}/integration/submission`, { answers: 'Allego l’attestazione ISEE 2026.' }, 200, {
      'Idempotency-Key': `integrazione-${id}`,
    })
    await eventually('registration of the integration', async () => {
      const a = await citizen.api('GET', `${apps}/${id}`)
      return { ok: a.status === 4400, value: a }
    })

    // A reload of the deep link shows it; a change made meanwhile by someone
    // else comes back as a conflict with the offer to reload.
    await page.reload()
    await expectText(history.last(), 'Integrazione protocollata')
    const session = await (await page.request.get(`${base}/api/v1/session`)).json()
    const shown = await (await page.request.get(`${base}/api/v1/tenants/esempio/backoffice/applications/${id}`)).json()
    const meanwhile = await page.request.post(`${base}/api/v1/tenants/esempio/backoffice/applications/${id}/transitions`, {
      headers: { 'X-CSRF-Token': session.csrfToken },
      data: { event: 'take-in-charge', version: shown.version },
    })
    assert.equal(meanwhile.status(), 200)
    await page.getByRole('button', { name: 'Prendi in carico' }).click()
    await expectText(page.getByRole('alert'), 'cambiata nel frattempo')
    await page.getByRole('button', { name: 'Ricarica la pratica' }).click()
    await expectText(history.last(), 'Presa in carico dopo l’integrazione')

    // Accept with a motivation and a PDF response file.
    await page.getByLabel('Motivazione').fill('Requisiti verificati: iscrizione accolta.')
    await page.getByLabel('File di risposta (facoltativo)').setInputFiles({
      name: 'provvedimento.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf),
    })
    await shot('04-decision')
    await page.getByRole('button', { name: 'Accetta la pratica' }).click()
    await expectText(page.getByRole('status'), 'Pratica accettata.')
    await expectText(page.locator('[data-status]'), 'Accettata')
    await expectText(history.last(), 'Requisiti verificati: iscrizione accolta.')
    await expectText(history.last(), 'Con file di risposta allegato.')
    await expectCount(history, 9)
    assert.equal(await page.getByRole('button', { name: 'Accetta la pratica' }).count(), 0, 'no decision is offered once concluded')
    await shot('05-accepted')

    // Metrics, and the language switch.
    await page.getByRole('link', { name: 'Metriche' }).click()
    await page.getByRole('heading', { level: 1, name: 'Metriche' }).waitFor()
    await page.getByRole('table').first().waitFor()
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { level: 1, name: 'Metrics' }).waitFor()
    await shot('06-metrics-en')
    await page.getByRole('button', { name: 'Italiano' }).click()

    // The same pages on a phone: nothing wider than the screen.
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, storageState: await desktop.storageState() })
    const small = await watched(phone, problems)
    await small.goto(`${base}/backoffice/pratiche?queue=concluse`)
    await expectText(small.locator('tbody tr').first(), 'Accettata')
    await fitsWidth(small)
    await shot('07-phone-queue', small)
    await small.goto(`${base}/backoffice/pratiche/${id}`)
    await expectText(small.locator('[data-history] > li').last(), 'Accettata')
    await fitsWidth(small)
    await shot('08-phone-detail', small)

    // Signing out returns to the sign-in form.
    await page.getByRole('button', { name: 'Esci' }).click()
    await expectText(page.getByRole('status'), 'Sei uscito')
    await page.getByRole('heading', { level: 1, name: 'Accesso all’area operatori' }).waitFor()
  } catch (err) {
    // The page as it was when a step failed, to see why.
    await page?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {})
    throw err
  } finally {
    await browser?.close()
    await portal.stop()
  }
  assert.deepEqual(problems, [], 'console errors or content-policy violations')
})
