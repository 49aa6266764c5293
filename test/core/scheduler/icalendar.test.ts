import { describe, expect, it } from 'vitest'
import { agendaToICalendar, type AgendaEvent } from '../../../src/core/scheduler/icalendar.ts'

const CRLF = '\r\n'
/** Friday 15 Jan 2027, 08:00:00 UTC. */
const START = 1_800_000_000_000
const NOW = Date.UTC(2027, 0, 1, 12, 30, 5)

const octets = (text: string): number => new TextEncoder().encode(text).length

/** The physical lines, without their CRLF. */
function physicalLines(ics: string): string[] {
  expect(ics.endsWith(CRLF)).toBe(true)
  return ics.slice(0, -CRLF.length).split(CRLF)
}

/** Reads the file back as a calendar app would: unfold, split name from value, unescape TEXT. */
function parseBack(ics: string): { calendar: Record<string, string>; events: Array<Record<string, string>> } {
  const unfolded = ics.replace(/\r\n[ \t]/g, '').split(CRLF).filter((line) => line !== '')
  const calendar: Record<string, string> = {}
  const events: Array<Record<string, string>> = []
  let event: Record<string, string> | undefined
  for (const line of unfolded) {
    const colon = line.indexOf(':')
    const [name, value] = [line.slice(0, colon), line.slice(colon + 1)]
    if (line === 'BEGIN:VEVENT') event = {}
    else if (line === 'END:VEVENT' && event) events.push(event)
    else (event ?? calendar)[name] = value.replace(/\\([\\;,nN])/g, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char))
    if (line === 'END:VEVENT') event = undefined
  }
  return { calendar, events }
}

describe('agendaToICalendar', () => {
  it('writes one VEVENT per occurrence with UTC times that a calendar app reads back', () => {
    const events: AgendaEvent[] = [
      { uid: 'op1#0@space.pii', title: 'Doctor', start: START, durationMs: 30 * 60_000, description: 'Bring the letter' },
      { uid: 'op2#3@space.pii', title: 'Backup', start: START + 123 },
    ]
    const ics = agendaToICalendar(events, { now: NOW })
    expect(physicalLines(ics).slice(0, 5)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Pii//Scheduler//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'])
    expect(physicalLines(ics).at(-1)).toBe('END:VCALENDAR')
    const { calendar, events: read } = parseBack(ics)
    expect(calendar.VERSION).toBe('2.0')
    expect(read).toEqual([
      { UID: 'op1#0@space.pii', DTSTAMP: '20270101T123005Z', DTSTART: '20270115T080000Z', DTEND: '20270115T083000Z', SUMMARY: 'Doctor', DESCRIPTION: 'Bring the letter' },
      // No duration: no DTEND (the event is a moment); milliseconds, which iCalendar cannot say, are dropped.
      { UID: 'op2#3@space.pii', DTSTAMP: '20270101T123005Z', DTSTART: '20270115T080000Z', SUMMARY: 'Backup' },
    ])
  })

  it('uses the product id it is given', () => {
    expect(parseBack(agendaToICalendar([], { now: NOW, productId: '-//Example//Agenda, v2//EN' })).calendar.PRODID).toBe('-//Example//Agenda, v2//EN')
  })

  it('ends every line with CRLF, with no bare line feed or carriage return anywhere', () => {
    const ics = agendaToICalendar([{ uid: 'a', title: 'Line one\nLine two\r\nLine three\rend', start: START, description: 'x\n'.repeat(50) }], { now: NOW })
    expect(ics.endsWith(CRLF)).toBe(true)
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
  })

  it('escapes backslash, semicolon, comma and line breaks in text, and a parse-back gives the original', () => {
    const title = 'Pay rent; call Ann, Bob\\Carl\nthen rest'
    const ics = agendaToICalendar([{ uid: 'uid;1,2', title, start: START, description: 'a\r\nb' }], { now: NOW })
    expect(physicalLines(ics)).toContain('SUMMARY:Pay rent\\; call Ann\\, Bob\\\\Carl\\nthen rest')
    expect(physicalLines(ics)).toContain('UID:uid\\;1\\,2')
    expect(parseBack(ics).events[0]).toMatchObject({ UID: 'uid;1,2', SUMMARY: title, DESCRIPTION: 'a\nb' })
  })

  it('drops control characters that iCalendar text cannot hold, and keeps tabs', () => {
    const ics = agendaToICalendar([{ uid: 'a', title: 'bell\u0007 and\ttab\u007f', start: START }], { now: NOW })
    expect(parseBack(ics).events[0]?.SUMMARY).toBe('bell and\ttab')
  })

  it('folds a long line at 75 octets, continuation lines start with a space, and unfolding restores it', () => {
    const title = 'A very long title '.repeat(20).trim()
    const lines = physicalLines(agendaToICalendar([{ uid: 'a', title, start: START }], { now: NOW }))
    const summary = lines.findIndex((line) => line.startsWith('SUMMARY:'))
    expect(octets(lines[summary]!)).toBe(75)
    expect(lines[summary + 1]).toMatch(/^ \S/)
    for (const line of lines) expect(octets(line)).toBeLessThanOrEqual(75)
    expect(parseBack(agendaToICalendar([{ uid: 'a', title, start: START }], { now: NOW })).events[0]?.SUMMARY).toBe(title)
  })

  it('folds multi-byte UTF-8 by octets without ever splitting a character', () => {
    // 2-, 3- and 4-octet characters (é, 日, 😀 as a surrogate pair), offset by one ASCII letter so boundaries fall mid-character.
    const title = `x${'é'.repeat(60)}${'日本語'.repeat(20)}${'😀'.repeat(40)}“Pii”`
    const ics = agendaToICalendar([{ uid: 'a', title, start: START, description: title }], { now: NOW })
    const lines = physicalLines(ics)
    expect(lines.length).toBeGreaterThan(15)
    for (const line of lines) {
      expect(octets(line)).toBeLessThanOrEqual(75)
      // A split character would not survive encoding as UTF-8 and decoding again (a lone surrogate becomes U+FFFD).
      expect(new TextDecoder().decode(new TextEncoder().encode(line))).toBe(line)
    }
    // Lines are filled: a fold leaves less room than the next character needs.
    const folded = lines.filter((_, index) => lines[index + 1]?.startsWith(' '))
    for (const line of folded) expect(octets(line)).toBeGreaterThan(75 - 4)
    expect(parseBack(ics).events[0]).toMatchObject({ SUMMARY: title, DESCRIPTION: title })
  })

  it('refuses an event it cannot write, saying which', () => {
    expect(() => agendaToICalendar([{ uid: 'bad', title: 'x', start: Number.NaN }], { now: NOW })).toThrow(/start of "bad"/)
    expect(() => agendaToICalendar([{ uid: '', title: 'Nameless', start: START }], { now: NOW })).toThrow(/"Nameless" has no uid/)
    expect(() => agendaToICalendar([{ uid: 'neg', title: 'x', start: START, durationMs: -1 }], { now: NOW })).toThrow(/duration of "neg"/)
    expect(() => agendaToICalendar([{ uid: 'far', title: 'x', start: Date.UTC(10_000, 0, 1) }], { now: NOW })).toThrow(RangeError)
  })
})
