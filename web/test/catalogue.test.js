// The admin's catalogue and terms of use in headless Chromium, against the
// local portal built from this tree: a new service is refused, created as
// a draft and its sheet edited; its form is refused with the API's reason,
// then uploaded from a file and previewed with its fields; once published,
// the public catalogue lists it and its form page shows the stored form.
// A new version of the terms of use is published after a confirmation.
// Any console error or content-policy violation fails the test.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { executablePath, expectText, fitsWidth, screenshots, signIn, skip, watched } from './browser.js'
import { demoStaff, startPortal } from './portal.js'

const slug = 'bonus-libri-scolastici'

// A form the API refuses: a field outside a panel, which is no step.
const stepless = { display: 'wizard', components: [{ type: 'textfield', key: 'school', label: 'Scuola frequentata', input: true }] }

// A form in two steps: the student's data, and the applicant as the
// Comune's library block.
const valid = {
  display: 'wizard',
  components: [
    {
      type: 'panel',
      key: 'studente',
      title: 'Studente',
      input: false,
      components: [
        { type: 'textfield', key: 'student_name', label: 'Nome dello studente', input: true, validate: { required: true } },
        {
          type: 'select',
          key: 'school_class',
          label: 'Classe frequentata',
          input: true,
          dataSrc: 'values',
          data: { values: [{ value: 'prima', label: 'Prima media' }, { value: 'seconda', label: 'Seconda media' }] },
        },
      ],
    },
    {
      type: 'panel',
      key: 'richiedente',
      title: 'Richiedente',
      input: false,
      components: [{ type: 'form', key: 'applicant', label: 'Dati del richiedente', form: 'nome-cognome', input: true, reference: false }],
    },
  ],
}

test('an admin creates, fills and publishes a service, and publishes new terms of use', { skip, timeout: 300000 }, async (t) => {
  assert.ok(executablePath, 'chromium is required on CI: install Debian\'s chromium package')
  const shots = screenshots(t, 'catalogue')
  const portal = await startPortal()
  const problems = []
  let browser, admin
  try {
    const base = portal.url
    const api = `${base}/api/v1/tenants/esempio`
    const staff = demoStaff()
    browser = await chromium.launch({ executablePath, headless: true })
    admin = await watched(await browser.newContext({ viewport: { width: 1280, height: 900 } }), problems)
    const shot = (name) => admin.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
    await signIn(admin, base, staff.admin.username, staff.admin.password, staff.totpSecret)

    // The list: every service with its status.
    await admin.getByRole('link', { name: 'Servizi', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Servizi' }).waitFor()
    await expectText(admin.locator('[data-services] tbody tr').filter({ hasText: 'Certificato di residenza' }), 'Pubblicato')
    await shot('01-services')

    // A new service: an identifier the API refuses, then the draft.
    await admin.getByRole('link', { name: 'Nuovo servizio' }).click()
    await admin.getByRole('heading', { level: 1, name: 'Nuovo servizio' }).waitFor()
    await admin.getByLabel('Identificativo').fill('Bonus Libri')
    await admin.getByLabel('Titolo', { exact: true }).fill('Bonus libri scolastici')
    await admin.getByLabel('Categoria').selectOption({ label: 'Istruzione' })
    await admin.getByLabel('Sintesi').fill('Un contributo per i libri di testo della scuola secondaria di primo grado.')
    await admin.getByLabel('Descrizione', { exact: true }).fill('Il Comune rimborsa una parte della spesa per i libri di testo.')
    await admin.getByLabel('A chi si rivolge').fill('Alle famiglie residenti con figli iscritti alla scuola media.')
    await admin.getByLabel('Cosa serve').fill('Lo scontrino dei libri\nL’ISEE in corso di validità')
    await admin.locator('label', { hasText: 'Il servizio è gratuito' }).click()
    await admin.getByLabel('Descrizione del costo').fill('Il servizio è gratuito.')
    await admin.getByLabel('Tempi: giorni per la conclusione').fill('60')
    await admin.getByLabel('Ufficio responsabile').fill('Ufficio Scuola')
    await admin.getByLabel('Parole chiave').fill('libri, cedole librarie')
    let answer = admin.waitForResponse((r) => r.url().endsWith('/admin/services') && r.request().method() === 'POST')
    await admin.getByRole('button', { name: 'Crea il servizio' }).click()
    const slugProblem = await (await answer).json()
    assert.ok(slugProblem.detail, 'an invalid identifier gets a problem with a detail')
    await expectText(admin.getByRole('alert'), slugProblem.detail)
    await admin.getByLabel('Identificativo').fill(slug)
    await admin.getByRole('button', { name: 'Crea il servizio' }).click()
    await admin.waitForURL(`${base}/backoffice/servizi/${slug}/modulo`)
    await expectText(admin.getByRole('status'), 'Servizio «Bonus libri scolastici» creato in bozza')
    assert.equal((await fetch(`${api}/services/${slug}`)).status, 404, 'a draft is not in the public catalogue')

    // The sheet, edited and read back.
    await admin.getByRole('link', { name: 'Bonus libri scolastici' }).click()
    await admin.getByRole('heading', { level: 1, name: 'Bonus libri scolastici' }).waitFor()
    await expectText(admin.locator('main [data-service-status]'), 'Bozza')
    await admin.getByLabel('Descrizione', { exact: true }).fill('Il Comune rimborsa fino a 150 euro della spesa per i libri di testo.')
    await admin.getByRole('button', { name: 'Salva la scheda' }).click()
    await expectText(admin.getByRole('status'), 'Scheda salvata.')
    assert.equal(await admin.getByLabel('Descrizione', { exact: true }).inputValue(), 'Il Comune rimborsa fino a 150 euro della spesa per i libri di testo.')
    assert.equal(await admin.getByLabel('Cosa serve').inputValue(), 'Lo scontrino dei libri\nL’ISEE in corso di validità')
    assert.equal(await admin.getByLabel('Tempi: giorni per la conclusione').inputValue(), '60')
    await shot('02-sheet')

    // The form: JSON that does not parse, then a definition the API
    // refuses with its reason, then a valid one from a file, previewed.
    await admin.getByRole('link', { name: 'Modulo e impostazioni' }).click()
    await admin.getByRole('heading', { level: 1, name: 'Modulo: Bonus libri scolastici' }).waitFor()
    const definition = admin.getByLabel('Definizione Form.io (JSON)')
    await definition.fill('{"components": [')
    await admin.getByLabel('Istruzioni', { exact: true }).fill('Tieni a portata di mano lo scontrino dei libri.')
    await admin.getByRole('button', { name: 'Carica il modulo' }).click()
    await expectText(admin.getByRole('alert'), 'La definizione non è un JSON valido')
    await definition.fill(JSON.stringify(stepless))
    answer = admin.waitForResponse((r) => r.url().endsWith(`/admin/services/${slug}/form`))
    await admin.getByRole('button', { name: 'Carica il modulo' }).click()
    const formProblem = await (await answer).json()
    assert.equal(formProblem.status, 400)
    assert.match(formProblem.detail, /Scuola frequentata/, 'the refusal names the component')
    await expectText(admin.getByRole('alert'), formProblem.detail)
    await shot('03-form-refused')

    await admin.getByLabel('File JSON del modulo').setInputFiles({ name: 'modulo.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(valid)) })
    await admin.getByLabel('Passo «Studente» (studente)').fill('I dati dello studente come risultano alla scuola.')
    await admin.getByLabel('Passo «Richiedente» (richiedente)').waitFor()
    await admin.getByRole('button', { name: 'Carica il modulo' }).click()
    await expectText(admin.getByRole('status'), 'Modulo caricato')
    const preview = admin.locator('[data-preview]')
    await expectText(preview, 'Nome dello studente')
    await expectText(preview, 'Classe frequentata')
    // The library's block, read back from the admins' route, with its own fields.
    await preview.locator('.formio-component-applicant input').first().waitFor()
    assert.ok(await preview.locator('input[name="data[student_name]"]').isDisabled(), 'the preview is read-only')
    await fitsWidth(admin)
    await shot('04-form-preview')

    // Published after a confirmation: the public catalogue lists it, with
    // its form and the step's instructions.
    await admin.getByRole('link', { name: 'Bonus libri scolastici' }).click()
    await admin.getByRole('button', { name: 'Pubblica il servizio' }).click()
    await shot('05-publish-confirmation')
    await admin.getByRole('button', { name: 'Sì, pubblica' }).click()
    await expectText(admin.getByRole('status'), 'Servizio «Bonus libri scolastici» pubblicato.')
    await expectText(admin.locator('main [data-service-status]'), 'Pubblicato')
    const catalogue = await (await fetch(`${api}/services`)).json()
    assert.ok(
      catalogue.items.some((s) => s.slug === slug),
      `got ${JSON.stringify(catalogue.items.map((s) => s.slug))}, want ${slug} in the public catalogue`,
    )
    const stored = await (await fetch(`${api}/services/${slug}/form`)).json()
    assert.deepEqual(stored.settings.stepInstructions, { studente: 'I dati dello studente come risultano alla scuola.' })

    // The form page of a published service shows the stored form, its
    // library block with the block's own fields.
    await admin.getByRole('link', { name: 'Modulo e impostazioni' }).click()
    await expectText(admin.locator('[data-preview]'), 'Nome dello studente')
    assert.equal(await admin.getByLabel('Passo «Studente» (studente)').inputValue(), 'I dati dello studente come risultano alla scuola.')
    assert.deepEqual(JSON.parse(await definition.inputValue()).components[1].components[0].components, undefined, 'the block is edited by reference')
    await admin.locator('[data-preview] .formio-component-applicant input').first().waitFor()
    await shot('06-form-published')

    // The terms of use: a new version after a confirmation.
    const before = await (await fetch(`${api}/terms`)).json()
    await admin.getByRole('link', { name: 'Condizioni d’uso', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Condizioni d’uso' }).waitFor()
    await expectText(admin.locator('[data-terms-version]'), `Versione ${before.version},`)
    const text = `${before.text}\n\nArt. 9 — Il Comune può aggiornare queste condizioni; ogni nuova versione va accettata.`
    await admin.getByLabel('Testo', { exact: true }).fill(text)
    const next = before.version + 1
    await admin.getByRole('button', { name: `Pubblica la versione ${next}` }).click()
    await admin.getByRole('button', { name: 'Annulla' }).click()
    assert.equal((await (await fetch(`${api}/terms`)).json()).version, before.version, 'a cancelled publication publishes nothing')
    await admin.getByRole('button', { name: `Pubblica la versione ${next}` }).click()
    await admin.getByRole('button', { name: 'Sì, pubblica' }).click()
    await expectText(admin.getByRole('status'), `Versione ${next} delle condizioni d’uso pubblicata.`)
    await expectText(admin.locator('[data-terms-version]'), `Versione ${next},`)
    const after = await (await fetch(`${api}/terms`)).json()
    assert.equal(after.version, next)
    assert.equal(after.text, text)
    await shot('07-terms')
  } catch (err) {
    // The page as it was when a step failed, to see why.
    await admin?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {})
    throw err
  } finally {
    await browser?.close()
    await portal.stop()
  }
  assert.deepEqual(problems, [], 'console errors or content-policy violations')
})
