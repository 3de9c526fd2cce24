// The admins' pages and the manager's day in headless Chromium, against
// the local portal built from this tree: the admin creates an office and
// an operator, issues a partner key and subscribes a webhook, each secret
// shown once; the school office's manager reads an application under its
// form's labels, reassigns it to the new operator from the list and
// changes their own password; the webhook's delivery log shows what was
// delivered. Any console error or content-policy violation fails the test.

import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { executablePath, expectCount, expectText, screenshots, signIn, skip, watched } from './browser.js'
import { attach, demoStaff, eventually, nurseryData, readyCitizen, startPortal } from './portal.js'

test('an admin sets up staff and partners, a manager reassigns from the list', { skip, timeout: 300000 }, async (t) => {
  assert.ok(executablePath, 'chromium is required on CI: install Debian\'s chromium package')
  const shots = screenshots(t, 'admin')
  const portal = await startPortal()
  const hook = await receiver()
  const problems = []
  let browser, admin, manager
  try {
    const base = portal.url
    const api = `${base}/api/v1/tenants/esempio`
    const staff = demoStaff()

    // A citizen files a nursery enrolment; the worker registers it.
    const citizen = await readyCitizen(base, 'TSTIDP0000005', 'giulia.bellandi@example.org')
    const draft = await citizen.api('POST', `${api}/applications`, { service: 'iscrizione-asilo-nido' })
    const isee = await attach(citizen, `${api}/applications`, draft.id, 'isee.pdf')
    await citizen.api('PATCH', `${api}/applications/${draft.id}`, { version: isee.version, step: 4, data: nurseryData(isee.id) })
    await citizen.api('POST', `${api}/applications/${draft.id}/submission`, { confirmed: true }, 200, { 'Idempotency-Key': `invio-${draft.id}` })
    const id = draft.id
    await eventually('registration', async () => {
      const a = await citizen.api('GET', `${api}/applications/${id}`)
      return { ok: a.status === 3000, value: a }
    })

    browser = await chromium.launch({ executablePath, headless: true })
    admin = await watched(await browser.newContext({ viewport: { width: 1280, height: 900 } }), problems)
    const shot = (name, p) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
    await signIn(admin, base, staff.admin.username, staff.admin.password, staff.totpSecret)

    // Offices: the API's refusal next to the form, then a new office
    // managed by the demo operator.
    await admin.getByRole('link', { name: 'Uffici', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Uffici' }).waitFor()
    await admin.getByLabel('Codice').fill('Asili Nido!')
    await admin.getByLabel('Nome dell’ufficio').fill('Ufficio Asili Nido')
    let refusal = admin.waitForResponse((r) => r.url().includes('/admin/offices/') && r.request().method() === 'PUT')
    await admin.getByRole('button', { name: 'Crea l’ufficio' }).click()
    const officeProblem = await (await refusal).json()
    assert.ok(officeProblem.detail, 'an invalid office id gets a problem with a detail')
    await expectText(admin.getByRole('alert'), officeProblem.detail)
    await admin.getByLabel('Codice').fill('asili-nido')
    await tick(admin, 'Marco Esempio (operatore)')
    await admin.getByRole('button', { name: 'Crea l’ufficio' }).click()
    await expectText(admin.getByRole('status'), 'Ufficio creato: Ufficio Asili Nido.')
    const offices = admin.locator('[data-offices] tbody tr')
    await expectText(offices.filter({ hasText: 'asili-nido' }), 'Marco Esempio')
    await shot('01-offices', admin)

    // Operators: a refused username, then the account, whose initial
    // password is shown this once and works.
    await admin.getByRole('link', { name: 'Operatori', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Operatori' }).waitFor()
    await admin.getByLabel('Nome utente').fill('Lucia Verdi')
    await admin.getByLabel('Nome e cognome').fill('Lucia Verdi')
    await admin.getByLabel('Email').fill('lucia.verdi@comune-esempio.example.org')
    await tick(admin, 'Iscrizione all\'asilo nido')
    await tick(admin, 'Ufficio Scuola')
    await tick(admin, 'Ufficio Asili Nido')
    refusal = admin.waitForResponse((r) => r.url().endsWith('/admin/operators') && r.request().method() === 'POST')
    await admin.getByRole('button', { name: 'Crea l’account' }).click()
    const operatorProblem = await (await refusal).json()
    assert.ok(operatorProblem.detail, 'an invalid username gets a problem with a detail')
    await expectText(admin.getByRole('alert'), operatorProblem.detail)
    await admin.getByLabel('Nome utente').fill('lucia.verdi')
    await admin.getByRole('button', { name: 'Crea l’account' }).click()
    await expectText(admin.getByRole('status').first(), 'Account di Lucia Verdi creato.')
    const password = await admin.locator('[data-secret]').innerText()
    assert.ok(password.length >= 12, `got initial password ${JSON.stringify(password)}, want at least 12 characters`)
    await expectText(admin.locator('[data-operators]'), 'lucia.verdi')
    await shot('02-operator-created', admin)
    const firstSignIn = await fetch(`${api}/operator-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'lucia.verdi', password }),
    })
    assert.equal(firstSignIn.status, 200, 'the initial password signs the new operator in')
    assert.equal((await firstSignIn.json()).step, 'enrol')
    await admin.reload()
    await expectText(admin.locator('[data-operators]'), 'lucia.verdi')
    assert.equal(await admin.locator('[data-secret]').count(), 0, 'the initial password is shown once')

    // A partner key: the token shown once works until it is revoked, after
    // a confirmation.
    await admin.getByRole('link', { name: 'Chiavi API', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Chiavi API' }).waitFor()
    await admin.getByLabel('Nome', { exact: true }).fill('Protocollo informatico')
    await tick(admin, 'Leggere le pratiche')
    await admin.getByRole('button', { name: 'Emetti la chiave' }).click()
    await expectText(admin.getByRole('status').first(), 'Chiave Protocollo informatico emessa.')
    const token = await admin.locator('[data-secret]').innerText()
    assert.match(token, /^stz_/)
    const asPartner = () => fetch(`${api}/partner/applications?service=iscrizione-asilo-nido&status=3000`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal((await asPartner()).status, 200, 'the issued key reads applications')
    const keyRow = admin.locator('[data-keys] tbody tr').filter({ hasText: 'Protocollo informatico' })
    await expectText(keyRow, 'Attiva')
    await keyRow.getByRole('button', { name: 'Revoca' }).click()
    await shot('03-revoke-confirmation', admin)
    await keyRow.getByRole('button', { name: 'Annulla' }).click()
    assert.equal((await asPartner()).status, 200, 'a cancelled revocation leaves the key working')
    await keyRow.getByRole('button', { name: 'Revoca' }).click()
    await keyRow.getByRole('button', { name: 'Sì, revoca' }).click()
    await expectText(admin.getByRole('status'), 'Chiave Protocollo informatico revocata.')
    await expectText(admin.locator('[data-keys] tbody tr').filter({ hasText: 'Protocollo informatico' }), 'Revocata')
    assert.equal((await asPartner()).status, 401, 'a revoked key is refused')

    // A webhook to a receiver of this test, with its secret shown once.
    await admin.getByRole('link', { name: 'Webhook', exact: true }).click()
    await admin.getByRole('heading', { level: 1, name: 'Webhook' }).waitFor()
    await admin.getByLabel('Indirizzo').fill(`${hook.url}/stanza`)
    await admin.getByRole('button', { name: 'Aggiungi il webhook' }).click()
    await expectText(admin.getByRole('status').first(), 'Webhook aggiunto.')
    assert.match(await admin.locator('[data-secret]').innerText(), /\S{16,}/)
    await expectText(admin.locator('[data-webhooks]'), `${hook.url}/stanza`)
    await shot('04-webhook', admin)

    // The school office's manager: no admin pages, the data under the
    // form's labels.
    manager = await watched(await browser.newContext({ viewport: { width: 1280, height: 900 } }), problems)
    await signIn(manager, base, staff.username, staff.password, staff.totpSecret)
    assert.equal(await manager.getByRole('link', { name: 'Operatori', exact: true }).count(), 0, 'operators see no admin pages')
    await manager.goto(`${base}/backoffice/pratiche/${id}`)
    const data = manager.getByRole('region', { name: 'Dati della domanda' })
    await data.getByRole('heading', { name: 'Bambina o bambino' }).waitFor()
    for (const section of ['Richiedente', 'Genitori', 'Nidi e frequenza', 'ISEE', 'Dichiarazioni']) {
      await data.getByRole('heading', { name: section }).waitFor()
    }
    // value is what a section shows under a label.
    const value = (section, label) =>
      data
        .locator('section', { has: manager.getByRole('heading', { name: section }) })
        .locator('dt', { hasText: new RegExp(`^${label}$`) })
        .first()
        .locator('xpath=following-sibling::dd[1]')
    await expectText(value('Bambina o bambino', 'Data di nascita'), '12 marzo 2025')
    await expectText(value('Richiedente', 'Data di nascita'), '27 febbraio 1993')
    await expectText(value('Richiedente', 'Nome e cognome'), 'Giulia')
    await expectText(value('Nidi e frequenza', 'Nidi preferiti'), 'Nido d\'infanzia Il Girasole')
    await expectText(value('Nidi e frequenza', 'Frequenza'), 'Tempo pieno, dalle 7:30 alle 16:30')
    await expectText(value('ISEE', 'Valore ISEE in euro'), '18.250,5')
    await expectText(data, 'Madre')
    await expectText(data, 'Lavoratore dipendente')
    await data.getByRole('link', { name: /isee\.pdf/ }).waitFor()
    const shown = await data.innerText()
    for (const keyLabel of ['Child name', 'Child birth date', 'Isee value', 'Completename']) {
      assert.ok(!shown.includes(keyLabel), `got the key-made label ${JSON.stringify(keyLabel)} in ${JSON.stringify(shown)}`)
    }
    await shot('05-form-labels', manager)

    // Reassignment from the list: the new operator, for one of her offices.
    await manager.getByRole('button', { name: 'Prendi in carico' }).click()
    await expectText(manager.getByRole('status'), 'Pratica presa in carico.')
    const reassign = manager.locator('[data-reassign]')
    await reassign.getByLabel('Operatore').selectOption({ label: 'Lucia Verdi (lucia.verdi)' })
    const offered = await reassign.getByLabel('Ufficio').locator('option').evaluateAll((options) => options.map((o) => o.textContent))
    const [none, ...hers] = offered.map((o) => o.trim())
    assert.equal(none, 'Nessun ufficio')
    assert.deepEqual(hers.sort(), ['Ufficio Asili Nido', 'Ufficio Scuola'], 'the offices offered are Lucia Verdi\'s')
    await reassign.getByLabel('Ufficio').selectOption({ label: 'Ufficio Asili Nido' })
    await shot('06-reassign', manager)
    await reassign.getByRole('button', { name: 'Riassegna la pratica' }).click()
    await expectText(manager.getByRole('status'), 'Pratica riassegnata.')
    const summary = manager.getByRole('region', { name: 'Riepilogo' })
    await expectText(summary, 'lucia.verdi')
    await expectText(summary, 'asili-nido')

    // The manager's own password: the API's refusal, then the change.
    await manager.getByRole('link', { name: 'Il mio account', exact: true }).click()
    await manager.getByRole('heading', { level: 1, name: 'Il mio account' }).waitFor()
    await manager.getByLabel('Password attuale').fill('non-la-password')
    await manager.getByLabel('Nuova password', { exact: true }).fill('una-nuova-password-lunga')
    await manager.getByLabel('Ripeti la nuova password').fill('una-nuova-password-lunga')
    refusal = manager.waitForResponse((r) => r.url().endsWith('/operator/password'))
    await manager.getByRole('button', { name: 'Cambia la password' }).click()
    const passwordProblem = await (await refusal).json()
    await expectText(manager.getByRole('alert'), passwordProblem.detail)
    await manager.getByLabel('Password attuale').fill(staff.password)
    await manager.getByRole('button', { name: 'Cambia la password' }).click()
    await expectText(manager.getByRole('status'), 'Password cambiata.')
    await shot('07-password-changed', manager)
    const newSignIn = await fetch(`${api}/operator-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: staff.username, password: 'una-nuova-password-lunga' }),
    })
    assert.equal(newSignIn.status, 200, 'the new password signs in')

    // The delivery log shows the status change (taken in charge) the
    // receiver got; a reassignment keeps the status.
    await eventually('webhook deliveries', async () => ({ ok: hook.received.length >= 1, value: hook.received.length }))
    assert.ok(hook.received.every((r) => /^t=\d+,v1=[0-9a-f]{64}$/.test(r.signature)), 'every delivery is signed')
    await admin.getByRole('link', { name: 'Registro delle consegne' }).click()
    await admin.getByRole('heading', { level: 1, name: 'Registro delle consegne' }).waitFor()
    await eventually('the delivery log', async () => {
      await admin.reload()
      await admin.getByRole('heading', { level: 1, name: 'Registro delle consegne' }).waitFor()
      const n = await admin.locator('[data-deliveries] tbody tr', { hasText: 'Consegnata' }).count()
      return { ok: n >= 1, value: n }
    })
    await expectText(admin.locator('[data-deliveries]'), 'Cambio di stato di una pratica')
    await expectText(admin.locator('[data-deliveries]'), 'HTTP 204')
    await shot('08-deliveries', admin)

    // An account's page: disabling asks first, and can be undone.
    await admin.getByRole('link', { name: 'Operatori', exact: true }).click()
    await admin.getByRole('link', { name: 'Lucia Verdi' }).click()
    await admin.getByRole('heading', { level: 1, name: 'Lucia Verdi' }).waitFor()
    await admin.getByRole('button', { name: 'Disabilita l’account' }).click()
    await admin.getByRole('button', { name: 'Sì, disabilita' }).click()
    await expectText(admin.getByRole('status'), 'Account disabilitato.')
    await expectText(admin.locator('main dl').first(), 'Disabilitato')
    await shot('09-operator-disabled', admin)
    await admin.getByRole('button', { name: 'Riabilita l’account' }).click()
    await expectText(admin.getByRole('status'), 'Account riabilitato.')

    // Removing the webhook asks first.
    await admin.getByRole('link', { name: 'Webhook', exact: true }).first().click()
    await admin.getByRole('button', { name: 'Rimuovi' }).click()
    await admin.getByRole('button', { name: 'Sì, rimuovi' }).click()
    await expectText(admin.getByRole('status'), 'Webhook rimosso.')
    await expectCount(admin.locator('[data-webhooks]'), 0)
  } catch (err) {
    // The pages as they were when a step failed, to see why.
    await admin?.screenshot({ path: join(shots, 'failure-admin.png'), fullPage: true }).catch(() => {})
    await manager?.screenshot({ path: join(shots, 'failure-manager.png'), fullPage: true }).catch(() => {})
    throw err
  } finally {
    await browser?.close()
    await hook.stop()
    await portal.stop()
  }
  assert.deepEqual(problems, [], 'console errors or content-policy violations')
})

/**
 * tick checks a checkbox as people do, by its label: Bootstrap Italia draws
 * the box on the label, over the input.
 */
async function tick(page, label) {
  const box = page.getByLabel(label, { exact: true })
  await page.locator(`label[for="${await box.getAttribute('id')}"]`).click()
  assert.ok(await box.isChecked(), `${label}: got it unchecked, want it checked`)
}

/** receiver is a webhook receiver on a free loopback port that answers 204 and keeps what it got. */
async function receiver() {
  const received = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push({ signature: req.headers['stanza-signature'], body })
      res.writeHead(204).end()
    })
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    stop: () => new Promise((ok) => server.close(ok)),
  }
}
