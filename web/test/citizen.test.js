// The citizens' app in headless Chromium on a phone-size screen, against
// the local portal built from this tree: a citizen finds the nursery
// service, signs in through the test identity provider, completes the
// first-access steps (the email verified through the app's page), fills
// the Form.io form step by step with an upload, a refused field, the
// review and the receipt, follows the application in "Le mie pratiche",
// answers the office's message and integration request, withdraws it and
// signs out. Any console error or content-policy violation fails the test.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { executablePath, expectCount, expectText, fitsWidth, screenshots, skip, watched } from './browser.js'
import { Client, demoStaff, eventually, pdf, startPortal, totp } from './portal.js'

test('a citizen finds a service, signs in and follows an application', { skip, timeout: 240000 }, async (t) => {
  assert.ok(executablePath, 'chromium is required on CI: install Debian\'s chromium package')
  const shots = screenshots(t, 'cittadino')
  const portal = await startPortal()
  const problems = []
  let browser, page
  try {
    const base = portal.url
    const apps = `${base}/api/v1/tenants/esempio/applications`
    browser = await chromium.launch({ executablePath, headless: true })
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    page = await watched(phone, problems)
    const shot = (name, p = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

    // One Comune: the catalogue opens straight on its services.
    await page.goto(`${base}/`)
    await page.getByRole('heading', { level: 1, name: 'Servizi online' }).waitFor()
    await expectText(page.locator('header'), 'Comune di Esempio')
    await expectText(page.locator('main'), 'Istruzione')
    await fitsWidth(page)
    await shot('01-catalogue')

    // The search finds the nursery service; its sheet says who, how much, when, where.
    await page.getByLabel('Cerca un servizio').fill('nido')
    await page.getByRole('button', { name: 'Cerca', exact: true }).click()
    await page.waitForURL(/\?q=nido/)
    await page.getByRole('heading', { name: 'Risultati per «nido»' }).waitFor()
    await page.getByRole('link', { name: 'Iscrizione all\'asilo nido' }).click()
    await page.waitForURL(`${base}/servizi/iscrizione-asilo-nido`)
    await page.getByRole('heading', { level: 1, name: 'Iscrizione all\'asilo nido' }).waitFor()
    for (const heading of ['Descrizione', 'A chi è rivolto', 'Cosa serve', 'Costi', 'Tempi', 'Ufficio responsabile']) {
      await page.getByRole('heading', { level: 2, name: heading }).waitFor()
    }
    await expectText(page.locator('main'), 'Ufficio Scuola')
    await expectText(page.locator('main'), 'entro 60 giorni')
    await fitsWidth(page)
    await shot('02-service-sheet')

    // English is a click away, and so is Italian again.
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { level: 2, name: 'Who may apply' }).waitFor()
    await page.getByRole('button', { name: 'Fill in the application' }).waitFor()
    await page.getByRole('button', { name: 'Italiano' }).click()

    // Applying needs SPID or CIE: the sign-in page offers both, and the SPID
    // button lists the identity providers.
    await page.getByRole('button', { name: 'Compila la domanda' }).click()
    await page.getByRole('heading', { level: 1, name: 'Accedi all’area personale' }).waitFor()
    await page.getByRole('link', { name: 'Entra con CIE' }).waitFor()
    const spid = page.getByRole('button', { name: 'Entra con SPID' })
    assert.equal(await spid.getAttribute('aria-expanded'), 'false')
    await spid.click()
    assert.equal(await spid.getAttribute('aria-expanded'), 'true')
    await fitsWidth(page)
    await shot('03-sign-in')
    await page.getByRole('link', { name: /Identity provider di test SPID/ }).click()
    await page.getByRole('heading', { name: 'Identity provider SPID di prova' }).waitFor()
    await page.getByRole('button', { name: 'Giulia Bellandi' }).click()

    // First access: terms, then contacts and residence, then the email.
    await page.waitForURL(/\/primo-accesso\?next=/)
    await page.getByRole('heading', { level: 2, name: 'Condizioni d’uso dei servizi online' }).waitFor()
    await page.getByRole('button', { name: 'Esci' }).waitFor()
    await page.getByRole('button', { name: 'Continua' }).click()
    await expectText(page.getByRole('alert'), 'accetta le condizioni d’uso')
    // Bootstrap Italia draws the box on the label, which takes the click.
    await page.locator('label', { hasText: 'Ho letto e accetto le condizioni d’uso' }).click()
    assert.ok(await page.getByLabel('Ho letto e accetto le condizioni d’uso').isChecked())
    await page.getByRole('button', { name: 'Continua' }).click()

    await page.getByRole('heading', { level: 2, name: 'I tuoi contatti e la residenza' }).waitFor()
    await expectText(page.locator('main'), 'BLLGLI93B67A944K')
    await page.getByLabel('Email').fill('giulia.bellandi@example.org')
    await page.getByLabel('Indirizzo di residenza').fill('Via Roma 1')
    await page.getByLabel('CAP').fill('1012')
    await page.getByLabel('Comune di residenza').fill('Esempio')
    await page.getByLabel('Provincia (sigla)').fill('to')
    const refusal = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH')
    await page.getByRole('button', { name: 'Salva e continua' }).click()
    const refused = await refusal
    assert.equal(refused.status(), 400, 'a four-digit CAP is refused')
    await expectText(page.getByRole('alert'), (await refused.json()).detail)
    await page.getByLabel('CAP').fill('10100')
    await page.getByRole('button', { name: 'Salva e continua' }).click()

    await page.getByRole('heading', { level: 2, name: 'Verifica il tuo indirizzo email' }).waitFor()
    await page.getByRole('button', { name: 'Ho verificato, continua' }).click()
    await expectText(page.getByRole('alert'), 'non risulta ancora verificato')
    await page.getByRole('button', { name: 'Invia il messaggio di verifica' }).click()
    await expectText(page.locator('main'), 'Messaggio inviato a giulia.bellandi@example.org')
    await shot('04-email-verification')
    // The link arrives in the local mailbox and opens a page of the app,
    // which verifies the address, says so, and continues to the service.
    const mail = await phone.newPage()
    await mail.goto(`${base}/_mailbox/`)
    await mail.goto(base + (await mail.locator('a[href^="/_mailbox/"]').first().getAttribute('href')))
    const link = await mail.locator('a[href*="verifica-email"]').first().getAttribute('href')
    await mail.close()
    assert.match(link, /\/verifica-email\?token=/)
    await page.goto(link)
    await expectText(page.getByRole('status'), 'Il tuo indirizzo giulia.bellandi@example.org è verificato')
    assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar')
    await fitsWidth(page)
    await shot('04b-email-verified')
    await page.getByRole('link', { name: 'Continua' }).click()

    // Back on the sheet with the profile complete: the application starts as a draft.
    await page.waitForURL(`${base}/servizi/iscrizione-asilo-nido`)
    await expectText(page.getByRole('status'), 'Il tuo profilo è completo')
    await page.getByRole('button', { name: 'Compila la domanda' }).click()
    await page.waitForURL(/\/pratiche\/[0-9a-z]+$/)
    const id = page.url().split('/').pop()
    await expectText(page.locator('[data-status]'), 'Bozza')
    const session = await (await page.request.get(`${base}/api/v1/session`)).json()
    const api = new Client()
    api.csrf = session.csrfToken
    for (const c of await phone.cookies(base)) api.cookies.set(c.name, c.value)

    // The form, one step at a time. The applicant comes from the profile,
    // the identity from SPID, which the citizen cannot change.
    const next = () => page.getByRole('button', { name: 'Avanti' }).click()
    const applicantName = page.getByRole('textbox', { name: 'Nome', exact: true })
    await applicantName.waitFor()
    assert.equal(await applicantName.inputValue(), 'Giulia')
    assert.ok(await applicantName.isDisabled(), 'the applicant\'s name is SPID\'s')
    assert.equal(await page.getByRole('textbox', { name: 'Email' }).inputValue(), 'giulia.bellandi@example.org')
    await page.getByLabel('Luogo di nascita').fill('Bologna')
    await expectText(page.locator('[data-autosave]'), 'Bozza salvata alle')
    await fitsWidth(page)
    await shot('05a-form-applicant')
    await next()

    // A wrong fiscal code is refused on its field, then corrected.
    await page.getByRole('textbox', { name: 'Nome', exact: true }).fill('Sara')
    await page.getByRole('textbox', { name: 'Cognome', exact: true }).fill('Bellandi')
    await page.getByLabel('Codice fiscale').fill('BLLSRA25')
    await page.locator('#child_birth_date-day').fill('12')
    await page.locator('#child_birth_date-month').selectOption({ label: 'marzo' })
    await page.locator('#child_birth_date-year').fill('2025')
    await next()
    await expectText(page.locator('.formio-component-child_fiscal_code'), 'Il campo «Codice fiscale» non ha il formato previsto.')
    await shot('05b-form-error')
    await page.getByLabel('Codice fiscale').fill('bllsra25c52a944z')
    await next()

    // The step change saved the draft: the server has the child.
    await page.getByRole('button', { name: 'Aggiungi un genitore' }).waitFor()
    const saved = await eventually('autosave', async () => {
      const a = await api.api('GET', `${apps}/${id}`)
      return { ok: a.data?.child_fiscal_code === 'BLLSRA25C52A944Z', value: a }
    })
    assert.equal(saved.step, 2)
    const row = (i) => page.locator('[ref="datagrid-parents-row"]').nth(i)
    const parent = async (i, name, fiscalCode, role, work) => {
      await row(i).locator('[name$="[name]"]').fill(name)
      await row(i).locator('[name$="[surname]"]').fill('Bellandi')
      await row(i).locator('[name$="[fiscal_code]"]').fill(fiscalCode)
      await row(i).locator('.formio-component-role select').selectOption({ label: role })
      await row(i).locator('.formio-component-work select').selectOption({ label: work })
    }
    await parent(0, 'Giulia', 'BLLGLI93B67A944K', 'Madre', 'Lavoratore dipendente')
    await page.getByRole('button', { name: 'Aggiungi un genitore' }).click()
    await parent(1, 'Luca', 'BLLLCU90L08D612P', 'Padre', 'Lavoratore autonomo')
    await fitsWidth(page)
    await shot('05c-form-parents')
    await next()

    await page.getByText('Nido d\'infanzia Il Girasole').click()
    await page.getByText('Tempo pieno').click()
    await next()

    // The ISEE certificate goes up through the API's signed upload.
    await page.getByText('Sì', { exact: true }).click()
    await page.getByLabel('Valore ISEE in euro').fill('18250')
    await page.getByLabel('Protocollo della DSU').fill('INPS-ISEE-2026-00012345X-00')
    const chooser = page.waitForEvent('filechooser')
    await page.locator('.formio-component-isee_certificate a.browse').click()
    await (await chooser).setFiles({ name: 'isee.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) })
    await expectText(page.locator('.formio-component-isee_certificate'), 'isee.pdf')
    await fitsWidth(page)
    await shot('05d-form-isee')
    await next()
    await next()

    await page.locator('label', { hasText: 'Dichiaro che quanto indicato' }).click()
    await page.locator('label', { hasText: 'Ho letto l\'informativa' }).click()
    await page.getByRole('button', { name: 'Vai al riepilogo' }).click()

    // The review shows every answer before anything is sent.
    await page.getByRole('heading', { level: 2, name: 'Riepilogo della domanda' }).waitFor()
    for (const answer of ['Bologna', 'BLLSRA25C52A944Z', 'BLLLCU90L08D612P', 'INPS-ISEE-2026-00012345X-00', 'isee.pdf', `${pdf.length} byte`]) {
      await expectText(page.locator('[data-review]'), answer)
    }
    // Checkboxes answer in words, not "True" or "False".
    assert.equal(await page.locator('[data-review] .formio-component-truthful [ref="value"]').innerText(), 'Sì')
    assert.equal(await page.locator('[data-review] .formio-component-disability [ref="value"]').innerText(), 'No')
    await fitsWidth(page)
    await shot('05e-form-review')
    await page.getByRole('button', { name: 'Invia la domanda' }).click()

    // Sent: the confirmation offers the receipt once the portal has made it.
    await page.getByRole('heading', { level: 1, name: 'Domanda inviata' }).waitFor()
    await expectText(page.getByRole('status'), 'Domanda inviata al Comune.')
    await page.locator('[data-receipt]').getByRole('link', { name: 'Scarica la ricevuta (PDF)' }).waitFor({ timeout: 20000 })
    await fitsWidth(page)
    await shot('05f-form-sent')
    await eventually('registration', async () => {
      const a = await api.api('GET', `${apps}/${id}`)
      return { ok: a.status === 3000, value: a }
    })

    // "Le mie pratiche": the application under "Inviate", counted.
    await page.getByRole('link', { name: 'Le mie pratiche' }).first().click()
    await page.getByRole('heading', { level: 1, name: 'Le mie pratiche' }).waitFor()
    await expectText(page.locator('[data-count="inviate"]'), '1')
    await expectText(page.locator('[data-applications]'), 'Protocollata')
    await fitsWidth(page)
    await shot('05-my-applications')
    await page.locator('[data-applications]').getByRole('link', { name: 'Iscrizione all\'asilo nido' }).click()
    await page.waitForURL(`${base}/pratiche/${id}`)
    await expectCount(page.locator('[data-history] > li'), 2)
    await expectText(page.locator('[data-attachments]'), 'isee.pdf')
    const receipt = page.waitForEvent('download')
    await page.getByRole('link', { name: 'Scarica la ricevuta (PDF)' }).click()
    assert.match((await receipt).suggestedFilename(), /^ricevuta-.*\.pdf$/)

    // The office writes; the citizen reads it on a reload of the deep link and answers.
    const office = await operator(base)
    const backoffice = `${base}/api/v1/tenants/esempio/backoffice/applications/${id}`
    await office.api('POST', `${backoffice}/messages`, { text: 'Buongiorno, la graduatoria esce a giugno.' })
    await page.reload()
    await expectText(page.locator('[data-messages]'), 'la graduatoria esce a giugno')
    await page.getByLabel('Scrivi all’ufficio').fill('Grazie, attendo la graduatoria.')
    await page.getByRole('button', { name: 'Invia il messaggio' }).click()
    await expectText(page.getByRole('status'), 'Messaggio inviato all’ufficio.')
    await expectText(page.locator('[data-messages]'), 'attendo la graduatoria')
    const seen = await office.api('GET', `${backoffice}/messages`)
    assert.deepEqual(
      seen.items.map((m) => [m.author, m.text]),
      [
        ['operator', 'Buongiorno, la graduatoria esce a giugno.'],
        ['citizen', 'Grazie, attendo la graduatoria.'],
      ],
    )
    await fitsWidth(page)
    await shot('06-messages')

    // The office asks for an integration; the citizen answers with a file.
    let current = await office.api('GET', backoffice)
    current = await office.api('POST', `${backoffice}/transitions`, { event: 'take-in-charge', version: current.version })
    await office.api('POST', `${backoffice}/transitions`, {
      event: 'request-integration',
      version: current.version,
      note: 'Allegare l’attestazione ISEE aggiornata.',
    })
    await page.reload()
    await expectText(page.locator('[data-request]'), 'Allegare l’attestazione ISEE aggiornata.')
    await page.getByRole('button', { name: 'Rispondi alla richiesta' }).click()
    await expectText(page.locator('[data-status]'), 'Integrazione in preparazione')
    await page.getByRole('button', { name: 'Invia l’integrazione' }).click()
    await expectText(page.getByRole('alert'), 'Scrivi la risposta o allega almeno un file.')
    await page.getByLabel('La tua risposta').fill('Allego l’attestazione ISEE 2026.')
    await page.getByLabel('File da allegare (PDF o immagini)').setInputFiles({ name: 'isee-2026.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) })
    await page.getByRole('button', { name: 'Allega il file' }).click()
    await expectText(page.locator('[data-integration-files]'), 'isee-2026.pdf')
    await shot('07-integration')
    await page.getByRole('button', { name: 'Invia l’integrazione' }).click()
    await expectText(page.getByRole('status'), 'Integrazione inviata all’ufficio.')
    await expectText(page.locator('[data-status]'), 'Integrazione inviata')
    const integrated = await office.api('GET', backoffice)
    assert.equal(integrated.attachments.length, 2, 'the integration file is the application\'s')

    // Withdrawing asks for a confirmation, and can be called off. The
    // worker registers the integration meanwhile: the page shown is out of
    // date, and the conflict offers to reload it.
    await eventually('registration of the integration', async () => {
      const a = await office.api('GET', backoffice)
      return { ok: a.status === 4400, value: a }
    })
    await page.getByRole('button', { name: 'Ritira la domanda' }).click()
    await page.getByRole('button', { name: 'Annulla' }).click()
    await page.getByRole('button', { name: 'Ritira la domanda' }).click()
    await page.getByLabel('Motivo del ritiro (facoltativo)').fill('Abbiamo trovato posto in un nido privato.')
    await page.getByRole('button', { name: 'Sì, ritira la domanda' }).click()
    await expectText(page.getByRole('alert'), 'modificata nel frattempo')
    await page.getByRole('button', { name: 'Ricarica la pratica' }).click()
    await expectText(page.locator('[data-status]'), 'Integrazione protocollata')
    await expectText(page.locator('[data-attachments]'), 'File inviato con l’integrazione')
    await page.getByRole('button', { name: 'Ritira la domanda' }).click()
    await page.getByLabel('Motivo del ritiro (facoltativo)').fill('Abbiamo trovato posto in un nido privato.')
    await shot('08-withdraw-confirmation')
    await page.getByRole('button', { name: 'Sì, ritira la domanda' }).click()
    await expectText(page.getByRole('status'), 'Domanda ritirata.')
    await expectText(page.locator('[data-status]'), 'Ritirata')
    await expectText(page.locator('[data-history] > li').last(), 'Abbiamo trovato posto in un nido privato.')
    assert.equal(await page.getByRole('button', { name: 'Ritira la domanda' }).count(), 0, 'a withdrawn application offers no withdrawal')

    // The same pages on a desktop screen.
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: await phone.storageState() })
    const wide = await watched(desktop, problems)
    await wide.goto(`${base}/pratiche?gruppo=ritirate`)
    await expectText(wide.locator('[data-applications]'), 'Ritirata')
    await shot('09-desktop-my-applications', wide)
    await wide.goto(`${base}/servizi/iscrizione-asilo-nido`)
    await wide.getByRole('navigation', { name: 'In questa pagina' }).waitFor()
    await shot('10-desktop-service-sheet', wide)
    await wide.goto(`${base}/servizi/certificato-residenza`)
    await wide.getByRole('button', { name: 'Compila la domanda' }).click()
    await wide.getByRole('textbox', { name: 'Nome', exact: true }).waitFor()
    assert.equal(await wide.getByRole('textbox', { name: 'Codice fiscale' }).first().inputValue(), 'BLLGLI93B67A944K')
    await shot('11-desktop-form', wide)
    await desktop.close()

    // Signing out ends the session at the identity provider too, and comes back signed out.
    await page.getByRole('button', { name: 'Esci' }).click()
    await expectText(page.getByRole('status'), 'Sei uscito dall’area personale.')
    await page.getByRole('link', { name: 'Accedi all’area personale' }).waitFor()
    const after = await (await page.request.get(`${base}/api/v1/session`)).json()
    assert.equal(after.signedIn, false)
    await page.goto(`${base}/pratiche/${id}`)
    await page.getByRole('heading', { level: 1, name: 'Accedi all’area personale' }).waitFor()
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

/** operator signs the demo operator in through the API, password and TOTP. */
async function operator(base) {
  const staff = demoStaff()
  const c = new Client()
  const login = `${base}/api/v1/tenants/esempio/operator-login`
  const step = await c.api('POST', login, { username: staff.username, password: staff.password })
  await c.api('POST', `${login}/totp`, { challenge: step.challenge, code: totp(staff.totpSecret) })
  c.csrf = (await c.api('GET', `${base}/api/v1/session`)).csrfToken
  return c
}
