// The citizens' Form.io forms beyond the nursery's, in headless Chromium on
// a phone-size screen, against the local portal built from this tree: a
// citizen reads the water meter with the bundled date picker and a photo,
// sees the server's refusal of a value the browser let through on its
// field, corrects it and sends; the public-space form's date and time
// picker works too. Any console error or content-policy violation fails
// the test.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { executablePath, expectText, fitsWidth, screenshots, skip, watched } from './browser.js'
import { eventually, readyCitizen, startPortal } from './portal.js'

// A 1×1 PNG, as a phone's photo of the meter.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

test('a citizen fills dates with the picker and sees the server\'s errors on their fields', { skip, timeout: 180000 }, async (t) => {
  assert.ok(executablePath, 'chromium is required on CI: install Debian\'s chromium package')
  const shots = screenshots(t, 'moduli')
  const portal = await startPortal()
  const problems = []
  let browser
  try {
    const base = portal.url
    const apps = `${base}/api/v1/tenants/esempio/applications`
    const citizen = await readyCitizen(base, 'TSTIDP0000001', 'anna.sartorelli@example.org')
    browser = await chromium.launch({ executablePath, headless: true })
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })
    // The session cookie is __Host- prefixed: secure, which loopback counts as.
    const host = new URL(base).hostname
    await phone.addCookies([...citizen.cookies].map(([name, value]) => ({ name, value, domain: host, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' })))
    const page = await watched(phone, problems)
    const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
    const next = () => page.getByRole('button', { name: 'Avanti' }).click()

    await page.goto(`${base}/servizi/autolettura-contatore-acqua`)
    await page.getByRole('button', { name: 'Compila la domanda' }).click()
    await page.waitForURL(/\/pratiche\/[0-9a-z]+$/)
    const id = page.url().split('/').pop()

    // An extension after the number: the browser lets it through, the server will not.
    const mobile = page.getByRole('textbox', { name: 'Telefono' })
    await mobile.fill('333 1234567 int. 2')
    await next()

    await page.getByLabel('Codice utente').fill('12345678')
    await page.getByLabel('Matricola del contatore').fill('AB123456')
    await page.getByLabel('Lettura in metri cubi').fill('1234')
    // The picker opens on the field, in Italian, and the day is chosen with a tap.
    await page.getByLabel('Data della lettura').click()
    const calendar = page.locator('.flatpickr-calendar.open')
    await expectText(calendar, 'Lun')
    await calendar.locator('.flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)', { hasText: /^12$/ }).click()
    const picked = await page.getByLabel('Data della lettura').inputValue()
    assert.match(picked, /^12\/\d\d\/\d{4}$/)
    await fitsWidth(page)
    await shot('01-date-picker')

    const chooser = page.waitForEvent('filechooser')
    await page.locator('.formio-component-meter_photo a.browse').click()
    await (await chooser).setFiles({ name: 'contatore.png', mimeType: 'image/png', buffer: png })
    await expectText(page.locator('.formio-component-meter_photo'), `${png.length} byte`)
    await page.getByRole('button', { name: 'Vai al riepilogo' }).click()

    // The review writes the date as it was picked, the photo's size in Italian.
    await page.getByRole('heading', { level: 2, name: 'Riepilogo della domanda' }).waitFor()
    for (const answer of ['12345678', picked, 'contatore.png', `${png.length} byte`]) {
      await expectText(page.locator('[data-review]'), answer)
    }
    await shot('02-review')
    // In English, the same review writes the size as English does.
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('button', { name: 'Review your answers' }).click()
    await page.getByRole('heading', { level: 2, name: 'Review your application' }).waitFor()
    await expectText(page.locator('[data-review]'), `${png.length} bytes`)
    await page.getByRole('button', { name: 'Italiano' }).click()
    await page.getByRole('button', { name: 'Vai al riepilogo' }).click()
    await page.getByRole('button', { name: 'Invia la domanda' }).click()

    // The server refuses the phone number: the form opens on its step, with
    // the message on the field, which stays there while other fields change.
    const field = page.locator('.stanza-form:not([data-review]) .formio-component-phone_number')
    const refusal = 'Il campo «Telefono» deve contenere un numero di telefono valido.'
    await expectText(field, refusal)
    await expectText(page.getByRole('alert'), refusal)
    await page.getByRole('textbox', { name: 'Email' }).fill('anna@example.org')
    await page.getByRole('textbox', { name: 'Email' }).fill('anna.sartorelli@example.org')
    await page.waitForTimeout(500)
    await expectText(field, refusal)
    assert.ok(await mobile.evaluate((el) => el.classList.contains('is-invalid')), 'the refused field is marked invalid')
    await fitsWidth(page)
    await shot('03-server-error')
    await mobile.fill('333 1234567')
    await eventually('the mark goes with the refused value', async () => {
      const text = await field.innerText()
      return { ok: !text.includes(refusal), value: text }
    })
    await next()
    await page.getByRole('button', { name: 'Vai al riepilogo' }).click()
    await page.getByRole('button', { name: 'Invia la domanda' }).click()
    await page.getByRole('heading', { level: 1, name: 'Domanda inviata' }).waitFor()
    const sent = await citizen.api('GET', `${apps}/${id}`)
    const [day, month, year] = picked.split('/')
    assert.match(sent.data.reading_date, new RegExp(`^${year}-${month}-${day}T`))
    assert.equal(sent.data.applicant.data.phone_number, '333 1234567')

    // The public-space form asks for a day and a time, with the same picker.
    await page.goto(`${base}/servizi/occupazione-suolo-pubblico`)
    await page.getByRole('button', { name: 'Compila la domanda' }).click()
    await page.waitForURL(/\/pratiche\/[0-9a-z]+$/)
    await page.getByLabel('Luogo di nascita').fill('Milano')
    await next()
    await page.getByText('Privato cittadino').click()
    await page.getByText('Impresa, associazione o committente').waitFor({ state: 'hidden' })
    await next()
    await page.getByLabel('Inizio').click()
    const withTime = page.locator('.flatpickr-calendar.open')
    await withTime.locator('.flatpickr-time').waitFor()
    await withTime.locator('.flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)', { hasText: /^20$/ }).click()
    assert.match(await page.getByLabel('Inizio').inputValue(), /^20\/\d\d\/\d{4} \d\d:\d\d$/)
    await shot('04-date-and-time')
  } finally {
    await browser?.close()
    await portal.stop()
  }
  assert.deepEqual(problems, [], 'console errors or content-policy violations')
})
