import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { IcsFileProblem, readContentLine } from '../../../src/core/scheduler/icalendarReader.ts'
import { MAX_IMPORTED_EVENTS, previewIcsImport, reminderOperation, type IcsImportContext, type ImportableReminder } from '../../../src/core/scheduler/icsImport.ts'
import { KindRegistry } from '../../../src/core/scheduler/kinds.ts'
import { notifyKind } from '../../../src/core/scheduler/notifyKind.ts'
import { occurrencesBetween } from '../../../src/core/scheduler/occurrences.ts'
import type { SchedulerId } from '../../../src/core/scheduler/schedulers.ts'
import { SpaceSchedule } from '../../../src/core/scheduler/SpaceSchedule.ts'
import { APPLE, calendarWith, GOOGLE, OUTLOOK } from './icsSamples.ts'

/** Monday 1 March 2027, 09:00 in Paris. */
const NOW = Date.parse('2027-03-01T08:00:00Z')
const context: IcsImportContext = { now: NOW, timeZone: 'Europe/Paris' }
const iso = (instant: number): string => new Date(instant).toISOString().replace(':00.000Z', 'Z')
const named = (reminders: readonly ImportableReminder[], title: string): ImportableReminder => {
  const found = reminders.find((reminder) => reminder.title === title)
  if (!found) throw new Error(`No reminder "${title}" among ${reminders.map((reminder) => reminder.title).join(', ')}`)
  return found
}

describe('importing a calendar file', () => {
  it('[ICS1] reads a Google Calendar export: a weekly event in its zone, its EXDATEs skipped, its text unfolded and unescaped', () => {
    const { reminders, notImported } = previewIcsImport(GOOGLE, context)
    const piano = named(reminders, 'Piano lesson')
    expect(piano.body).toBe('Bring the folder, the keys and\nthe charger. A long line that Google folds at 75 octets; it goes on here.')
    expect(piano.timing.repeat).toMatchObject({ kind: 'rrule', timeZone: 'Europe/Paris' })
    // Tuesdays 10:00 in Paris until 30 March (UNTIL in UTC); 9 and 16 March are excluded; DST starts on 28 March.
    expect(piano.next.map(iso)).toEqual(['2027-03-02T09:00Z', '2027-03-23T09:00Z', '2027-03-30T08:00Z'])
    expect(occurrencesBetween(piano.id, piano.timing, NOW, Infinity, 10)).toHaveLength(3)
    expect(piano.repeats).toMatch(/^FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T080000Z;BYHOUR=10;BYMINUTE=0;BYSECOND=0 \(Europe\/Paris\), 2 dates left out$/)
    expect(notImported).toEqual([
      { title: 'Old dentist appointment', reason: 'it is already past (Thu 2 Jan 2025 at 09:00).' },
      { title: 'Book club', reason: 'it is cancelled in the calendar.' },
    ])
  })

  it('[ICS1] reads an Apple Calendar export: an all-day yearly event is a reminder at 09:00 here, a timed one keeps its zone', () => {
    const { reminders, notImported } = previewIcsImport(APPLE, context)
    expect(notImported).toEqual([])
    expect(reminders.map((reminder) => reminder.title)).toEqual(['Call with Sam', 'Mum’s birthday'])
    expect(named(reminders, 'Mum’s birthday').next.map(iso)).toEqual(['2027-03-15T08:00Z', '2028-03-15T08:00Z', '2029-03-15T08:00Z'])
    const call = named(reminders, 'Call with Sam')
    expect(call).toMatchObject({ body: 'The link is in the invite.', repeats: 'Once', timing: { repeat: { kind: 'none' } } })
    expect(call.next.map(iso)).toEqual(['2027-03-05T23:00Z'])
  })

  it('[ICS2] reads an Outlook export: a Windows zone name, COUNT, and a moved occurrence (RECURRENCE-ID) as a one-off of its own; an unknown zone is refused, quoted', () => {
    const { reminders, notImported } = previewIcsImport(OUTLOOK, context)
    const standUp = named(reminders, 'Stand-up')
    expect(standUp.timing.repeat).toMatchObject({ timeZone: 'Europe/Berlin' })
    expect(standUp.body).toBeUndefined()
    const all = occurrencesBetween(standUp.id, standUp.timing, NOW, Infinity, 20).map((occurrence) => iso(occurrence.dueAt))
    // Ten weekdays from Tue 2 March at 09:00 Berlin, less Thursday 4th, which moved to 11:00.
    expect(all).toEqual(['2027-03-02', '2027-03-03', '2027-03-05', '2027-03-08', '2027-03-09', '2027-03-10', '2027-03-11', '2027-03-12', '2027-03-15'].map((day) => `${day}T08:00Z`))
    expect(named(reminders, 'Stand-up (later today)').next.map(iso)).toEqual(['2027-03-04T10:00Z'])
    expect(notImported).toEqual([{ title: 'Offsite', reason: 'its time zone “Customized Time Zone” is not one this device knows; export the calendar with IANA zone names (such as Europe/Paris) or in UTC.' }])
  })

  it('[ICS2] reads zones given as a path, by X-LIC-LOCATION, in UTC or floating, and an all-day UNTIL as the end of its day', () => {
    const { reminders } = previewIcsImport(
      calendarWith(
        ['UID:a', 'SUMMARY:Path', 'DTSTART;TZID=/mozilla.org/20050126_1/America/New_York:20270302T090000'],
        ['UID:b', 'SUMMARY:Utc', 'DTSTART:20270302T090000Z', 'RRULE:FREQ=DAILY;COUNT=2'],
        ['UID:c', 'SUMMARY:Floating', 'DTSTART:20270302T090000'],
        ['UID:d', 'SUMMARY:Days', 'DTSTART;VALUE=DATE:20270302', 'RRULE:FREQ=DAILY;UNTIL=20270304'],
      ),
      context,
    )
    expect(named(reminders, 'Path').next.map(iso)).toEqual(['2027-03-02T14:00Z'])
    expect(named(reminders, 'Utc').next.map(iso)).toEqual(['2027-03-02T09:00Z', '2027-03-03T09:00Z'])
    expect(named(reminders, 'Floating').next.map(iso)).toEqual(['2027-03-02T08:00Z'])
    expect(named(reminders, 'Days').next.map(iso)).toEqual(['2027-03-02T08:00Z', '2027-03-03T08:00Z', '2027-03-04T08:00Z'])
  })

  it('[ICS1] moves a rule that started years ago to start a period before today, with the same occurrences from now on', () => {
    const since2015 = ['UID:standup', 'SUMMARY:Daily', 'DTSTART;TZID=Europe/Paris:20150105T093000', 'RRULE:FREQ=DAILY;INTERVAL=2', 'EXDATE;TZID=Europe/Paris:20270305T093000']
    const [daily] = previewIcsImport(calendarWith(since2015), context).reminders
    expect(daily!.timing.dueAt).toBeGreaterThan(NOW - 5 * 86_400_000)
    expect(daily!.timing.planFrom).toBe(NOW)
    // 1 March 2027 is 4,438 days after 5 Jan 2015: 1, 3, (5 excluded), 7 March, as the rule from its own start gives them.
    expect(daily!.next.map(iso)).toEqual(['2027-03-01T08:30Z', '2027-03-03T08:30Z', '2027-03-07T08:30Z'])
    const fromItsStart = occurrencesBetween('x', { dueAt: Date.parse('2015-01-05T08:30:00Z'), repeat: { kind: 'rrule', rrule: 'FREQ=DAILY;INTERVAL=2', timeZone: 'Europe/Paris' } }, NOW, Infinity, 40)
    expect(occurrencesBetween(daily!.id, daily!.timing, NOW, Infinity, 39).map((occurrence) => occurrence.dueAt)).toEqual(fromItsStart.map((occurrence) => occurrence.dueAt).filter((dueAt) => iso(dueAt) !== '2027-03-05T08:30Z'))
    // A rule that cannot be moved so (BYSETPOS) and started too long ago is refused, saying so.
    const refused = previewIcsImport(calendarWith(['UID:x', 'SUMMARY:Hourly', 'DTSTART:20150105T093000Z', 'RRULE:FREQ=HOURLY;BYSETPOS=1;BYMINUTE=0,30']), context)
    expect(refused.notImported[0]?.reason).toMatch(/^it repeats since Mon 5 Jan 2015, about [\d,]+ times before today, too far back to follow/)
  })

  it('[ICS2] refuses what a reminder cannot follow, with the reason: a rule finer than hourly, one that never happens, no start', () => {
    const { reminders, notImported } = previewIcsImport(
      calendarWith(
        ['UID:1', 'SUMMARY:Every minute', 'DTSTART:20270302T090000Z', 'RRULE:FREQ=MINUTELY'],
        ['UID:2', 'SUMMARY:Feb 30', 'DTSTART:20270302T090000Z', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'],
        ['UID:3', 'SUMMARY:No start'],
        ['UID:4', 'SUMMARY:Bad start', 'DTSTART:2027-03-02'],
        ['UID:5', 'SUMMARY:Extra dates', 'DTSTART:20270302T090000Z', 'RRULE:FREQ=WEEKLY', 'RDATE:20270303T090000Z'],
      ),
      context,
    )
    expect(reminders.map((reminder) => reminder.title)).toEqual(['Extra dates'])
    expect(notImported).toEqual([
      { title: 'Every minute', reason: 'A rule repeats at most hourly; for shorter intervals repeat every N ms instead.' },
      { title: 'Feb 30', reason: '"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9;BYMINUTE=0;BYSECOND=0" never happens (like February 30th); check its BYMONTH, BYMONTHDAY and INTERVAL.' },
      { title: 'No start', reason: 'it has no start (DTSTART).' },
      { title: 'Bad start', reason: 'its start “2027-03-02” is not a date or time.' },
      { title: 'Extra dates', reason: 'its extra dates (RDATE) are left out; its other dates are imported.' },
    ])
  })

  it('[ICS3] refuses a file that is too large, not a calendar, or damaged, as a whole, with what to do', () => {
    expect(() => previewIcsImport('x'.repeat(1_048_577), context)).toThrow(/larger than 1 MB/)
    expect(() => previewIcsImport('BEGIN:VCARD\r\nEND:VCARD\r\n', context)).toThrow(/not an iCalendar \(\.ics\) file/)
    expect(() => previewIcsImport('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n', context)).toThrow(IcsFileProblem)
    expect(() => previewIcsImport(`BEGIN:VCALENDAR\r\n${'BEGIN:X\r\n'.repeat(20)}`, context)).toThrow(/nests or repeats blocks/)
  })

  it('[ICS3] reads at most 500 events and stops checking after its time budget, saying how many were left', () => {
    const many = calendarWith(...Array.from({ length: MAX_IMPORTED_EVENTS + 20 }, (_, index) => [`UID:${index}`, `SUMMARY:Event ${index}`, 'DTSTART:20270302T090000Z']))
    const preview = previewIcsImport(many, context)
    expect(preview.reminders).toHaveLength(MAX_IMPORTED_EVENTS)
    expect(preview.notImported).toEqual([{ title: '20 more events', reason: 'were not read: an import reads at most 500 events. Import the rest from a file of its own.' }])
    let spent = 0
    const slow = previewIcsImport(many, { ...context, elapsed: () => (spent += 100) })
    expect(slow.reminders).toHaveLength(20)
    expect(slow.notImported[0]?.title).toBe('500 more events')
  })

  it('[ICS3] never throws anything but a file problem on damaged or hostile input', () => {
    let seed = 7
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
    const samples = [GOOGLE, APPLE, OUTLOOK]
    for (let round = 0; round < 300; round++) {
      const sample = samples[round % samples.length]!
      const chars = [...sample]
      for (let edit = 0; edit < 5; edit++) chars[Math.floor(random() * chars.length)] = ':;,"\\\r\n =Z0T'[Math.floor(random() * 14)]!
      try {
        previewIcsImport(chars.join(''), context)
      } catch (error) {
        expect(error).toBeInstanceOf(IcsFileProblem)
      }
    }
    expect(readContentLine('DTSTART;TZID="W. Europe; Standard:Time":20270302T090000')).toEqual({ name: 'DTSTART', params: new Map([['TZID', 'W. Europe; Standard:Time']]), value: '20270302T090000' })
    expect(readContentLine('no colon here')).toBeUndefined()
  })

  it('[ICS4] gives an event the same operation id in every import, so one imported before is listed, not doubled', () => {
    const first = previewIcsImport(GOOGLE, context)
    const again = previewIcsImport(GOOGLE, { ...context, exists: (id) => first.reminders.some((reminder) => reminder.id === id) })
    expect(again.reminders).toEqual([])
    expect(again.notImported).toContainEqual({ title: 'Piano lesson', reason: 'it was imported into this space before.' })
    const twice = previewIcsImport(calendarWith(['UID:same', 'SUMMARY:One', 'DTSTART:20270302T090000Z'], ['UID:same', 'SUMMARY:Two', 'DTSTART:20270303T090000Z']), context)
    expect(twice.notImported).toEqual([{ title: 'Two', reason: 'it is in the file twice (the same UID).' }])
  })

  it('[ICS1] each reminder saves as a notify operation that runs its occurrences, and a second import of it is refused', () => {
    let made = 0
    const schedule = new SpaceSchedule({ doc: new Y.Doc(), kinds: new KindRegistry([notifyKind]), now: () => NOW, actor: 'did:key:z6MkAlice', newId: () => `op${++made}` })
    schedule.ensureDefaultSchedulers()
    const { reminders } = previewIcsImport(GOOGLE, context)
    for (const reminder of reminders) schedule.createOperation(reminderOperation(reminder, 'every-minute' as SchedulerId), reminder.id)
    const piano = schedule.operation(named(reminders, 'Piano lesson').id)!
    expect(piano).toMatchObject({ kind: 'notify', input: { title: 'Piano lesson', body: expect.stringMatching(/^Bring the folder/) as unknown }, catchUp: 'latest' })
    expect(schedule.queue('every-minute' as SchedulerId).peek()?.occurrence.dueAt).toBe(Date.parse('2027-03-02T09:00:00Z'))
    expect(() => schedule.createOperation(reminderOperation(reminders[0]!, 'every-minute' as SchedulerId), reminders[0]!.id)).toThrow(/imported before/)
  })
})
