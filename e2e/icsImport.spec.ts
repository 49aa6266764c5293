/**
 * Importing a calendar file through the Schedule tab (SPEC ICS1–ICS4): the
 * preview lists the reminders to be created with their first times, and
 * what cannot be imported with the reason; the import creates them, they
 * show in the operations list and in the agenda, and importing the same
 * file again creates nothing.
 */
import type { Page } from '@playwright/test'
import { createSpace, expect, openApp, test } from './fixtures.ts'

// The file's times are in Paris and New York; the page reads them on a Paris clock, whatever the machine's zone.
test.use({ timezoneId: 'Europe/Paris', locale: 'en-GB' })

/** `YYYYMMDD` of the day `days` after today on a Paris clock, counted in calendar days (a DST change does not move it). */
function parisDate(days: number): string {
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now()).split('-').map(Number)
  return new Date(Date.UTC(year!, month! - 1, day! + days)).toISOString().slice(0, 10).replaceAll('-', '')
}

/**
 * A Google-style export: a weekly lesson that started a year ago, one of
 * its coming dates excluded and an end in three weeks; a call in New York
 * time; a past appointment; an event in a zone only Outlook knows.
 */
function calendarFile(): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Paris',
    'X-LIC-LOCATION:Europe/Paris',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `DTSTART;TZID=Europe/Paris:${parisDate(2 - 364)}T100000`,
    // Its coming dates are 2, 9, 16 and 23 days from now; the 9th is excluded, and it ends the day after the 23rd.
    `RRULE:FREQ=WEEKLY;UNTIL=${parisDate(24)}T000000Z`,
    `EXDATE;TZID=Europe/Paris:${parisDate(9)}T100000`,
    'UID:piano-lesson@google.com',
    'SUMMARY:Piano lesson',
    'DESCRIPTION:Bring the folder\\, and the keys.',
    'END:VEVENT',
    'BEGIN:VEVENT',
    `DTSTART;TZID=America/New_York:${parisDate(3)}T180000`,
    'UID:call-with-sam@icloud.com',
    'SUMMARY:Call with Sam',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'DTSTART:20200102T090000Z',
    'UID:old@google.com',
    'SUMMARY:Old dentist appointment',
    'END:VEVENT',
    'BEGIN:VEVENT',
    `DTSTART;TZID="Customized Time Zone":${parisDate(5)}T090000`,
    'UID:offsite@outlook.com',
    'SUMMARY:Offsite',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n')
}

async function openSchedule(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Schedule' }).click()
  await expect(page.getByRole('heading', { name: 'New operation' })).toBeVisible()
}

async function chooseFile(page: Page, contents: string): Promise<void> {
  await page.getByLabel('Import .ics').setInputFiles({ name: 'family.ics', mimeType: 'text/calendar', buffer: Buffer.from(contents, 'utf8') })
}

test('[ICS1] [ICS2] [ICS4] a calendar file is previewed, imported as reminders that show in the list and the agenda, and not imported twice', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Family')
  await openSchedule(page)

  await chooseFile(page, calendarFile())
  const toImport = page.getByRole('list', { name: 'Reminders to import' })
  await expect(toImport.getByRole('listitem')).toHaveCount(2)
  await expect(toImport.getByRole('listitem', { name: 'Piano lesson' })).toContainText('repeats: FREQ=WEEKLY')
  await expect(toImport.getByRole('listitem', { name: 'Call with Sam' })).toContainText('once')
  const notImported = page.getByRole('list', { name: 'Not imported' })
  await expect(notImported).toContainText('Old dentist appointment: it is already past')
  await expect(notImported).toContainText('Offsite: its time zone “Customized Time Zone” is not one this device knows')
  await page.getByRole('button', { name: 'Import 2 reminders' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Imported 2 reminders from “family.ics”.' })).toBeVisible()

  const operations = page.getByRole('list', { name: 'Operations' })
  await expect(operations.getByRole('listitem', { name: 'Piano lesson' })).toContainText('notify')
  await expect(operations.getByRole('listitem', { name: 'Call with Sam' })).toContainText('once at')

  // The same file again: both are there already.
  await chooseFile(page, calendarFile())
  await expect(page.getByText('Nothing in this file can be imported as a reminder.')).toBeVisible()
  await expect(notImported).toContainText('Piano lesson: it was imported into this space before.')
  await page.getByRole('region', { name: 'From “family.ics”' }).getByRole('button', { name: 'Cancel' }).click()

  await page.getByRole('link', { name: 'Agenda' }).click()
  await expect(page.getByRole('heading', { name: 'Agenda' })).toBeVisible()
  // The excluded date (9 days from now) is not there; the rest are, up to the rule's end.
  await expect(page.getByRole('listitem').filter({ hasText: 'Piano lesson' })).toHaveCount(3)
  await expect(page.getByRole('listitem').filter({ hasText: 'Call with Sam' })).toHaveCount(1)
  // 18:00 in New York is midnight in Paris (23:00 in the weeks when only one of them is on summer time).
  await expect(page.getByRole('listitem').filter({ hasText: 'Call with Sam' }).locator('time')).toHaveText(/^(00|23):00$/)
})

test('[ICS3] a file that is not a calendar is refused with what to do, and nothing is imported', async ({ page }) => {
  await openApp(page)
  await createSpace(page, 'Family')
  await openSchedule(page)
  await chooseFile(page, 'BEGIN:VCARD\r\nFN:Sam\r\nEND:VCARD\r\n')
  await expect(page.getByRole('alert')).toHaveText('This is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR. Export the calendar from its app as .ics and import that.')
  await expect(page.getByRole('list', { name: 'Reminders to import' })).toHaveCount(0)
})
