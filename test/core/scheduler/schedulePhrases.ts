/**
 * Everyday phrases for the schedule box, as people write reminders, each
 * with the occurrences it is meant to give: the first three (or the one of
 * a one-off), as wall times in the writer's zone. Written from what the
 * phrase means, not from what the parser says; used by
 * naturalLanguage.test.ts ([NL1]) and bench/scheduleBox.ts.
 *
 * The conventions a phrase relies on (SPEC NL2): a day without a time is
 * at 09:00; morning 09:00, afternoon 15:00, evening 18:00, night and
 * "tonight" 20:00; a bare hour is on the 24-hour clock unless a part of
 * the day puts it after noon ("tonight at 8" is 20:00); "next week" is its
 * Monday and "next month" its 1st; "next friday" is the first Friday after
 * today, "friday next week" the one in next week; a bare period ("every
 * week", "every quarter") keeps the current day and time and starts one
 * period from now; "every 2nd tuesday" is every other Tuesday, "the 2nd
 * tuesday of the month" a day of the month; a range of hours with a step
 * under an hour ends at the last full hour of steps ("every 30 minutes
 * from 9 to 5" ends at 16:30).
 */
import { parseSchedule } from '../../../src/core/scheduler/naturalLanguage.ts'
import { occurrencesBetween, type Timing } from '../../../src/core/scheduler/occurrences.ts'
import { wallTimeOf } from '../../../src/core/scheduler/zonedTime.ts'

export interface SchedulePhrase {
  /** As a person would type it. */
  readonly text: string
  /** The moment it is typed (an ISO instant). */
  readonly now: string
  /** The writer's zone: the box reads the phrase in it, and `firstThree` are its wall times. */
  readonly timeZone: string
  /** The first three occurrences meant (one for a one-off): "Tue 2027-10-12 09:00", with seconds when not zero. */
  readonly firstThree: readonly string[]
  /** One of the phrases issue 14 lists as failing or misleading before this table. */
  readonly fromIssue?: boolean
}

/** Monday 11 October 2027, 12:00 in Paris; summer time ends on Sunday 31 October. */
const PARIS = { now: '2027-10-11T10:00:00Z', timeZone: 'Europe/Paris' } as const
/** Friday 12 March 2027, 10:00 in New York; summer time starts on Sunday 14 March. */
const NEW_YORK = { now: '2027-03-12T15:00:00Z', timeZone: 'America/New_York' } as const
/** Saturday 29 January 2028, 18:30 in Tokyo (no summer time); February 2028 has 29 days. */
const TOKYO = { now: '2028-01-29T09:30:00Z', timeZone: 'Asia/Tokyo' } as const

type Place = typeof PARIS | typeof NEW_YORK | typeof TOKYO
const at =
  (place: Place) =>
  (text: string, ...firstThree: string[]): SchedulePhrase => ({ text, ...place, firstThree })
const paris = at(PARIS)
const newYork = at(NEW_YORK)
const tokyo = at(TOKYO)
const fromIssue = (phrase: SchedulePhrase): SchedulePhrase => ({ ...phrase, fromIssue: true })

export const SCHEDULE_PHRASES: readonly SchedulePhrase[] = [
  // Issue 14's list, word for word.
  fromIssue(paris('every other tuesday', 'Tue 2027-10-12 09:00', 'Tue 2027-10-26 09:00', 'Tue 2027-11-09 09:00')),
  fromIssue(paris('first monday of the month', 'Mon 2027-11-01 09:00', 'Mon 2027-12-06 09:00', 'Mon 2028-01-03 09:00')),
  fromIssue(paris('last friday of the month', 'Fri 2027-10-29 09:00', 'Fri 2027-11-26 09:00', 'Fri 2027-12-31 09:00')),
  fromIssue(paris('every 3rd of the month', 'Wed 2027-11-03 09:00', 'Fri 2027-12-03 09:00', 'Mon 2028-01-03 09:00')),
  fromIssue(paris('every day at 9am and 5pm', 'Mon 2027-10-11 17:00', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 17:00')),
  fromIssue(paris('in half an hour', 'Mon 2027-10-11 12:30')),
  fromIssue(paris('next week', 'Mon 2027-10-18 09:00')),
  fromIssue(paris('tomorrow morning', 'Tue 2027-10-12 09:00')),
  fromIssue(paris('every quarter', 'Tue 2028-01-11 12:00', 'Tue 2028-04-11 12:00', 'Tue 2028-07-11 12:00')),
  fromIssue(paris('17h', 'Mon 2027-10-11 17:00')),
  fromIssue(paris('9.30', 'Tue 2027-10-12 09:30')),
  fromIssue(paris('at 9am Europe/Paris', 'Tue 2027-10-12 09:00')),
  // 15:00 UTC is 17:00 in Paris in summer time.
  fromIssue(paris('at 3pm UTC', 'Mon 2027-10-11 17:00')),
  fromIssue(paris('tonight at 8', 'Mon 2027-10-11 20:00')),
  fromIssue(paris('every 2 hours from 8am until 6pm', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 16:00')),

  // Paris, Monday 11 October 2027, 12:00: once, in a while.
  paris('in 20 minutes', 'Mon 2027-10-11 12:20'),
  paris('in an hour', 'Mon 2027-10-11 13:00'),
  paris('in 2h', 'Mon 2027-10-11 14:00'),
  paris('in 90 min', 'Mon 2027-10-11 13:30'),
  paris('in 1.5 hours', 'Mon 2027-10-11 13:30'),
  paris('in an hour and a half', 'Mon 2027-10-11 13:30'),
  paris('in 45 mins', 'Mon 2027-10-11 12:45'),
  paris('in 10 seconds', 'Mon 2027-10-11 12:00:10'),
  paris('in 3 hours', 'Mon 2027-10-11 15:00'),
  paris('in 3 days', 'Thu 2027-10-14 12:00'),
  paris('in a week', 'Mon 2027-10-18 12:00'),
  paris('in 2 weeks', 'Mon 2027-10-25 12:00'),
  paris('in a month', 'Thu 2027-11-11 12:00'),
  paris('2 hours from now', 'Mon 2027-10-11 14:00'),
  paris('a week from today', 'Mon 2027-10-18 12:00'),
  paris('in 2 days at 9am', 'Wed 2027-10-13 09:00'),

  // Paris: once, on a day or at a time.
  paris('tomorrow at 9am', 'Tue 2027-10-12 09:00'),
  paris('9am tomorrow', 'Tue 2027-10-12 09:00'),
  paris('tomorrow afternoon', 'Tue 2027-10-12 15:00'),
  paris('tomorrow evening', 'Tue 2027-10-12 18:00'),
  paris('tomorrow night', 'Tue 2027-10-12 20:00'),
  paris('tomorrow at noon', 'Tue 2027-10-12 12:00'),
  paris('tomorrow at half past 9', 'Tue 2027-10-12 09:30'),
  paris('tomorrow at 7 in the morning', 'Tue 2027-10-12 07:00'),
  paris('same time tomorrow', 'Tue 2027-10-12 12:00'),
  paris('tonight', 'Mon 2027-10-11 20:00'),
  paris('this evening', 'Mon 2027-10-11 18:00'),
  paris('this afternoon at 3', 'Mon 2027-10-11 15:00'),
  paris('at 8 in the evening', 'Mon 2027-10-11 20:00'),
  paris('at quarter past 6 tonight', 'Mon 2027-10-11 18:15'),
  paris('at 5pm', 'Mon 2027-10-11 17:00'),
  paris('at 5 pm', 'Mon 2027-10-11 17:00'),
  paris('at 17:30', 'Mon 2027-10-11 17:30'),
  paris('at 18h30', 'Mon 2027-10-11 18:30'),
  paris('at 7:45pm', 'Mon 2027-10-11 19:45'),
  paris('at 10 a.m.', 'Tue 2027-10-12 10:00'),
  paris('midnight', 'Tue 2027-10-12 00:00'),
  paris('next week at 10am', 'Mon 2027-10-18 10:00'),
  paris('next monday at 9', 'Mon 2027-10-18 09:00'),
  paris('tuesday next week at 3pm', 'Tue 2027-10-19 15:00'),
  paris('friday at 5pm', 'Fri 2027-10-15 17:00'),
  paris('on friday', 'Fri 2027-10-15 09:00'),
  paris('this friday at 4pm', 'Fri 2027-10-15 16:00'),
  paris('wednesday morning', 'Wed 2027-10-13 09:00'),
  paris('friday evening', 'Fri 2027-10-15 18:00'),
  paris('the day after tomorrow at 10', 'Wed 2027-10-13 10:00'),
  paris('day after tomorrow', 'Wed 2027-10-13 09:00'),
  paris('this weekend', 'Sat 2027-10-16 09:00'),
  paris('next month', 'Mon 2027-11-01 09:00'),
  paris('on the 15th', 'Fri 2027-10-15 09:00'),
  paris('on the 1st at 8am', 'Mon 2027-11-01 08:00'),
  paris('march 3 at 2pm', 'Fri 2028-03-03 14:00'),
  paris('3rd of march', 'Fri 2028-03-03 09:00'),
  paris('dec 24 at 6pm', 'Fri 2027-12-24 18:00'),
  paris('on 2027-11-05 at 14:00', 'Fri 2027-11-05 14:00'),
  paris('25 december at 8am', 'Sat 2027-12-25 08:00'),
  // 09:00 in New York on Tuesday is 13:00 UTC, 15:00 in Paris.
  paris('tomorrow at 9am America/New_York', 'Tue 2027-10-12 15:00'),

  // Paris: every day, every week.
  paris('every day at 7:30', 'Tue 2027-10-12 07:30', 'Wed 2027-10-13 07:30', 'Thu 2027-10-14 07:30'),
  paris('daily at 9', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day at 1pm', 'Mon 2027-10-11 13:00', 'Tue 2027-10-12 13:00', 'Wed 2027-10-13 13:00'),
  paris('every day at midnight', 'Tue 2027-10-12 00:00', 'Wed 2027-10-13 00:00', 'Thu 2027-10-14 00:00'),
  paris('everyday at 10pm', 'Mon 2027-10-11 22:00', 'Tue 2027-10-12 22:00', 'Wed 2027-10-13 22:00'),
  paris('every single day at 6pm', 'Mon 2027-10-11 18:00', 'Tue 2027-10-12 18:00', 'Wed 2027-10-13 18:00'),
  paris('every morning', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('each morning at 8', 'Tue 2027-10-12 08:00', 'Wed 2027-10-13 08:00', 'Thu 2027-10-14 08:00'),
  paris('every morning at 6:45', 'Tue 2027-10-12 06:45', 'Wed 2027-10-13 06:45', 'Thu 2027-10-14 06:45'),
  paris('every evening at 7', 'Mon 2027-10-11 19:00', 'Tue 2027-10-12 19:00', 'Wed 2027-10-13 19:00'),
  paris('every night at 10', 'Mon 2027-10-11 22:00', 'Tue 2027-10-12 22:00', 'Wed 2027-10-13 22:00'),
  paris('every day at 8am and 8pm', 'Mon 2027-10-11 20:00', 'Tue 2027-10-12 08:00', 'Tue 2027-10-12 20:00'),
  paris('at 9 and 13 every day', 'Mon 2027-10-11 13:00', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 13:00'),
  paris('twice a day', 'Mon 2027-10-11 21:00', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 21:00'),
  paris('twice daily at 8 and 20', 'Mon 2027-10-11 20:00', 'Tue 2027-10-12 08:00', 'Tue 2027-10-12 20:00'),
  paris('3 times a day', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 20:00', 'Tue 2027-10-12 08:00'),
  paris('every other day at 8', 'Tue 2027-10-12 08:00', 'Thu 2027-10-14 08:00', 'Sat 2027-10-16 08:00'),
  paris('every 2 days at 9pm', 'Mon 2027-10-11 21:00', 'Wed 2027-10-13 21:00', 'Fri 2027-10-15 21:00'),
  paris('every 3 days', 'Thu 2027-10-14 12:00', 'Sun 2027-10-17 12:00', 'Wed 2027-10-20 12:00'),
  paris('every weekday at 8', 'Tue 2027-10-12 08:00', 'Wed 2027-10-13 08:00', 'Thu 2027-10-14 08:00'),
  paris('weekdays at 8', 'Tue 2027-10-12 08:00', 'Wed 2027-10-13 08:00', 'Thu 2027-10-14 08:00'),
  paris('on weekdays at 7:30am', 'Tue 2027-10-12 07:30', 'Wed 2027-10-13 07:30', 'Thu 2027-10-14 07:30'),
  paris('every workday at 7', 'Tue 2027-10-12 07:00', 'Wed 2027-10-13 07:00', 'Thu 2027-10-14 07:00'),
  paris('every weekday morning', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('mon-fri at 9', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('monday to friday at 8:30', 'Tue 2027-10-12 08:30', 'Wed 2027-10-13 08:30', 'Thu 2027-10-14 08:30'),
  paris('every day at 9am except weekends', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day except sunday at 7', 'Tue 2027-10-12 07:00', 'Wed 2027-10-13 07:00', 'Thu 2027-10-14 07:00'),
  paris('every weekend', 'Sat 2027-10-16 09:00', 'Sun 2027-10-17 09:00', 'Sat 2027-10-23 09:00'),
  paris('weekends at 10am', 'Sat 2027-10-16 10:00', 'Sun 2027-10-17 10:00', 'Sat 2027-10-23 10:00'),
  paris('every monday at 9am', 'Mon 2027-10-18 09:00', 'Mon 2027-10-25 09:00', 'Mon 2027-11-01 09:00'),
  paris('mondays at 9', 'Mon 2027-10-18 09:00', 'Mon 2027-10-25 09:00', 'Mon 2027-11-01 09:00'),
  paris('at 9am every monday', 'Mon 2027-10-18 09:00', 'Mon 2027-10-25 09:00', 'Mon 2027-11-01 09:00'),
  paris('every monday and thursday at 6pm', 'Mon 2027-10-11 18:00', 'Thu 2027-10-14 18:00', 'Mon 2027-10-18 18:00'),
  paris('every mon, wed and fri at 7am', 'Wed 2027-10-13 07:00', 'Fri 2027-10-15 07:00', 'Mon 2027-10-18 07:00'),
  paris('every tue/thu at 6:30pm', 'Tue 2027-10-12 18:30', 'Thu 2027-10-14 18:30', 'Tue 2027-10-19 18:30'),
  paris('every saturday at 10am', 'Sat 2027-10-16 10:00', 'Sat 2027-10-23 10:00', 'Sat 2027-10-30 10:00'),
  paris('every sunday at 9pm', 'Sun 2027-10-17 21:00', 'Sun 2027-10-24 21:00', 'Sun 2027-10-31 21:00'),
  paris('every sunday evening', 'Sun 2027-10-17 18:00', 'Sun 2027-10-24 18:00', 'Sun 2027-10-31 18:00'),
  paris('every friday afternoon', 'Fri 2027-10-15 15:00', 'Fri 2027-10-22 15:00', 'Fri 2027-10-29 15:00'),
  paris('every week', 'Mon 2027-10-18 12:00', 'Mon 2027-10-25 12:00', 'Mon 2027-11-01 12:00'),
  paris('once a week', 'Mon 2027-10-18 12:00', 'Mon 2027-10-25 12:00', 'Mon 2027-11-01 12:00'),
  paris('weekly on monday at 10', 'Mon 2027-10-18 10:00', 'Mon 2027-10-25 10:00', 'Mon 2027-11-01 10:00'),
  paris('every 2nd tuesday', 'Tue 2027-10-12 09:00', 'Tue 2027-10-26 09:00', 'Tue 2027-11-09 09:00'),
  paris('every second tuesday at 10am', 'Tue 2027-10-12 10:00', 'Tue 2027-10-26 10:00', 'Tue 2027-11-09 10:00'),
  paris('every 2 weeks on friday', 'Fri 2027-10-15 09:00', 'Fri 2027-10-29 09:00', 'Fri 2027-11-12 09:00'),
  paris('every other week on friday at 5pm', 'Fri 2027-10-15 17:00', 'Fri 2027-10-29 17:00', 'Fri 2027-11-12 17:00'),
  paris('fortnightly on thursdays at 7pm', 'Thu 2027-10-14 19:00', 'Thu 2027-10-28 19:00', 'Thu 2027-11-11 19:00'),
  paris('biweekly on wednesday at 2pm', 'Wed 2027-10-13 14:00', 'Wed 2027-10-27 14:00', 'Wed 2027-11-10 14:00'),
  paris('every 4 weeks', 'Mon 2027-11-08 12:00', 'Mon 2027-12-06 12:00', 'Mon 2028-01-03 12:00'),

  // Paris: within the day.
  paris('every 15 minutes', 'Mon 2027-10-11 12:15', 'Mon 2027-10-11 12:30', 'Mon 2027-10-11 12:45'),
  paris('every 5 min', 'Mon 2027-10-11 12:05', 'Mon 2027-10-11 12:10', 'Mon 2027-10-11 12:15'),
  paris('every 30 minutes', 'Mon 2027-10-11 12:30', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 13:30'),
  paris('every half hour', 'Mon 2027-10-11 12:30', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 13:30'),
  paris('every 45 minutes', 'Mon 2027-10-11 12:45', 'Mon 2027-10-11 13:30', 'Mon 2027-10-11 14:15'),
  paris('every 90 minutes', 'Mon 2027-10-11 13:30', 'Mon 2027-10-11 15:00', 'Mon 2027-10-11 16:30'),
  paris('every hour', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 15:00'),
  paris('hourly', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 15:00'),
  paris('every 2 hours', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 16:00', 'Mon 2027-10-11 18:00'),
  paris('every 6 hours', 'Mon 2027-10-11 18:00', 'Tue 2027-10-12 00:00', 'Tue 2027-10-12 06:00'),
  paris('every 10 minutes from 9am', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 09:10', 'Tue 2027-10-12 09:20'),
  paris('every 20 minutes starting at 1pm', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 13:20', 'Mon 2027-10-11 13:40'),
  paris('every hour on the hour', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 15:00'),
  paris('every hour from 9 to 5', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00'),
  paris('every hour between 9am and 5pm on weekdays', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00'),
  paris('every 30 minutes between 9 and 5', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 12:30', 'Mon 2027-10-11 13:00'),
  paris('every 15 minutes from 8am to 10am', 'Tue 2027-10-12 08:00', 'Tue 2027-10-12 08:15', 'Tue 2027-10-12 08:30'),
  paris('every 3 hours from 9am to 9pm', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 15:00', 'Mon 2027-10-11 18:00'),

  // Paris: months and years.
  paris('every month', 'Thu 2027-11-11 12:00', 'Sat 2027-12-11 12:00', 'Tue 2028-01-11 12:00'),
  paris('monthly on the 1st', 'Mon 2027-11-01 09:00', 'Wed 2027-12-01 09:00', 'Sat 2028-01-01 09:00'),
  paris('every month on the 15th at 10am', 'Fri 2027-10-15 10:00', 'Mon 2027-11-15 10:00', 'Wed 2027-12-15 10:00'),
  paris('the 1st of every month at 8', 'Mon 2027-11-01 08:00', 'Wed 2027-12-01 08:00', 'Sat 2028-01-01 08:00'),
  paris('on the 1st and 15th of every month', 'Fri 2027-10-15 09:00', 'Mon 2027-11-01 09:00', 'Mon 2027-11-15 09:00'),
  paris('the last day of every month', 'Sun 2027-10-31 09:00', 'Tue 2027-11-30 09:00', 'Fri 2027-12-31 09:00'),
  paris('last day of the month at 5pm', 'Sun 2027-10-31 17:00', 'Tue 2027-11-30 17:00', 'Fri 2027-12-31 17:00'),
  paris('every first monday of the month at 10am', 'Mon 2027-11-01 10:00', 'Mon 2027-12-06 10:00', 'Mon 2028-01-03 10:00'),
  paris('the second tuesday of every month', 'Tue 2027-10-12 09:00', 'Tue 2027-11-09 09:00', 'Tue 2027-12-14 09:00'),
  paris('every 2nd tuesday of the month at 7pm', 'Tue 2027-10-12 19:00', 'Tue 2027-11-09 19:00', 'Tue 2027-12-14 19:00'),
  paris('every 1st and 3rd wednesday at 7pm', 'Wed 2027-10-20 19:00', 'Wed 2027-11-03 19:00', 'Wed 2027-11-17 19:00'),
  paris('last weekday of the month', 'Fri 2027-10-29 09:00', 'Tue 2027-11-30 09:00', 'Fri 2027-12-31 09:00'),
  paris('first weekday of the month at 9am', 'Mon 2027-11-01 09:00', 'Wed 2027-12-01 09:00', 'Mon 2028-01-03 09:00'),
  paris('every 3 months on the 1st', 'Mon 2027-11-01 09:00', 'Tue 2028-02-01 09:00', 'Mon 2028-05-01 09:00'),
  paris('quarterly', 'Tue 2028-01-11 12:00', 'Tue 2028-04-11 12:00', 'Tue 2028-07-11 12:00'),
  paris('every 6 months', 'Tue 2028-04-11 12:00', 'Wed 2028-10-11 12:00', 'Wed 2029-04-11 12:00'),
  paris('every year on march 3', 'Fri 2028-03-03 09:00', 'Sat 2029-03-03 09:00', 'Sun 2030-03-03 09:00'),
  paris('every march 3 at 8am', 'Fri 2028-03-03 08:00', 'Sat 2029-03-03 08:00', 'Sun 2030-03-03 08:00'),
  paris('annually on 1 january', 'Sat 2028-01-01 09:00', 'Mon 2029-01-01 09:00', 'Tue 2030-01-01 09:00'),
  paris('every year', 'Wed 2028-10-11 12:00', 'Thu 2029-10-11 12:00', 'Fri 2030-10-11 12:00'),

  // Paris: starts, ends and counts.
  paris('every day at 9am for a week', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day at 9am 3 times', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day at 8 until friday', 'Tue 2027-10-12 08:00', 'Wed 2027-10-13 08:00', 'Thu 2027-10-14 08:00'),
  paris('every thursday at 7pm for 4 weeks', 'Thu 2027-10-14 19:00', 'Thu 2027-10-21 19:00', 'Thu 2027-10-28 19:00'),
  paris('every day at 2pm starting tomorrow', 'Tue 2027-10-12 14:00', 'Wed 2027-10-13 14:00', 'Thu 2027-10-14 14:00'),
  paris('every wednesday at 9 starting next week', 'Wed 2027-10-20 09:00', 'Wed 2027-10-27 09:00', 'Wed 2027-11-03 09:00'),
  paris('every day at 7am from 2027-11-01', 'Mon 2027-11-01 07:00', 'Tue 2027-11-02 07:00', 'Wed 2027-11-03 07:00'),
  // 10:00 in London is 11:00 in Paris, in summer and winter time alike.
  paris('every tuesday at 10am Europe/London', 'Tue 2027-10-12 11:00', 'Tue 2027-10-19 11:00', 'Tue 2027-10-26 11:00'),
  paris('every day at 9am UTC', 'Tue 2027-10-12 11:00', 'Wed 2027-10-13 11:00', 'Thu 2027-10-14 11:00'),

  // Paris: more of how people type.
  paris('tmrw 9am', 'Tue 2027-10-12 09:00'),
  paris('tomorrow 8:30', 'Tue 2027-10-12 08:30'),
  paris('Tomorrow at 9AM', 'Tue 2027-10-12 09:00'),
  paris('at 11am tomorrow', 'Tue 2027-10-12 11:00'),
  paris('tomorrow at lunchtime', 'Tue 2027-10-12 12:00'),
  paris('in the morning', 'Tue 2027-10-12 09:00'),
  paris('at 3', 'Mon 2027-10-11 15:00'),
  paris('at 4:30pm', 'Mon 2027-10-11 16:30'),
  paris('in 5 mins', 'Mon 2027-10-11 12:05'),
  paris('in 15 minutes', 'Mon 2027-10-11 12:15'),
  paris('in 1 hr', 'Mon 2027-10-11 13:00'),
  paris('in 2 hrs', 'Mon 2027-10-11 14:00'),
  paris('in two hours', 'Mon 2027-10-11 14:00'),
  paris('in ten minutes', 'Mon 2027-10-11 12:10'),
  paris('in a couple of hours', 'Mon 2027-10-11 14:00'),
  paris('thursday 2pm', 'Thu 2027-10-14 14:00'),
  paris('thu at 14:00', 'Thu 2027-10-14 14:00'),
  paris('next thursday at 10', 'Thu 2027-10-14 10:00'),
  paris('on saturday morning', 'Sat 2027-10-16 09:00'),
  paris('sunday at noon', 'Sun 2027-10-17 12:00'),
  paris('on oct 20', 'Wed 2027-10-20 09:00'),
  paris('october 20 at 3pm', 'Wed 2027-10-20 15:00'),
  paris('20 oct 15:00', 'Wed 2027-10-20 15:00'),
  paris('every day at 5', 'Mon 2027-10-11 17:00', 'Tue 2027-10-12 17:00', 'Wed 2027-10-13 17:00'),
  paris('every day at 6', 'Tue 2027-10-12 06:00', 'Wed 2027-10-13 06:00', 'Thu 2027-10-14 06:00'),
  paris('every tuesday at 7', 'Tue 2027-10-12 07:00', 'Tue 2027-10-19 07:00', 'Tue 2027-10-26 07:00'),
  paris('every weekday at 5:30pm', 'Mon 2027-10-11 17:30', 'Tue 2027-10-12 17:30', 'Wed 2027-10-13 17:30'),
  paris('every thursday', 'Thu 2027-10-14 09:00', 'Thu 2027-10-21 09:00', 'Thu 2027-10-28 09:00'),
  paris('thursdays', 'Thu 2027-10-14 09:00', 'Thu 2027-10-21 09:00', 'Thu 2027-10-28 09:00'),
  paris('mondays and wednesdays at 7pm', 'Mon 2027-10-11 19:00', 'Wed 2027-10-13 19:00', 'Mon 2027-10-18 19:00'),
  paris('every 2nd day', 'Wed 2027-10-13 12:00', 'Fri 2027-10-15 12:00', 'Sun 2027-10-17 12:00'),
  paris('every four hours', 'Mon 2027-10-11 16:00', 'Mon 2027-10-11 20:00', 'Tue 2027-10-12 00:00'),
  paris('every twenty minutes', 'Mon 2027-10-11 12:20', 'Mon 2027-10-11 12:40', 'Mon 2027-10-11 13:00'),
  paris('every 1 hour', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 15:00'),
  paris('every 2 hours between 10am and 4pm', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 16:00'),
  paris('every hour from 10pm to 2am', 'Mon 2027-10-11 22:00', 'Mon 2027-10-11 23:00', 'Tue 2027-10-12 00:00'),
  paris('every 2 hours, 8am to 8pm', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 16:00'),
  paris('from 9 to 5 every hour', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00'),
  paris('every 30 min from 9am to 11am', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 09:30', 'Tue 2027-10-12 10:00'),
  paris('every month on the last friday', 'Fri 2027-10-29 09:00', 'Fri 2027-11-26 09:00', 'Fri 2027-12-31 09:00'),
  paris('the last friday of every month at 4pm', 'Fri 2027-10-29 16:00', 'Fri 2027-11-26 16:00', 'Fri 2027-12-31 16:00'),
  paris('every last sunday of the month', 'Sun 2027-10-31 09:00', 'Sun 2027-11-28 09:00', 'Sun 2027-12-26 09:00'),
  paris('every 2 months', 'Sat 2027-12-11 12:00', 'Fri 2028-02-11 12:00', 'Tue 2028-04-11 12:00'),
  paris('every other month on the 5th', 'Fri 2027-11-05 09:00', 'Wed 2028-01-05 09:00', 'Sun 2028-03-05 09:00'),
  paris('on the 10th of each month', 'Wed 2027-11-10 09:00', 'Fri 2027-12-10 09:00', 'Mon 2028-01-10 09:00'),
  paris('every january 1st at midnight', 'Sat 2028-01-01 00:00', 'Mon 2029-01-01 00:00', 'Tue 2030-01-01 00:00'),
  paris('yearly on dec 25', 'Sat 2027-12-25 09:00', 'Mon 2028-12-25 09:00', 'Tue 2029-12-25 09:00'),
  paris('every day at 9 for 2 weeks', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day at 10am for 5 days', 'Tue 2027-10-12 10:00', 'Wed 2027-10-13 10:00', 'Thu 2027-10-14 10:00'),
  paris('every hour for the next 3 hours', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 15:00'),
  paris('every 10 minutes for an hour', 'Mon 2027-10-11 12:10', 'Mon 2027-10-11 12:20', 'Mon 2027-10-11 12:30'),
  paris('every day at 9am until the end of the month', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day at 8am starting monday', 'Mon 2027-10-18 08:00', 'Tue 2027-10-19 08:00', 'Wed 2027-10-20 08:00'),
  paris('starting tomorrow every day at 8', 'Tue 2027-10-12 08:00', 'Wed 2027-10-13 08:00', 'Thu 2027-10-14 08:00'),

  // Paris: written after the parser, and read by it once before any change (42 of 43 as meant; "remind me" was the miss).
  paris('remind me tomorrow at 10', 'Tue 2027-10-12 10:00'),
  paris('tues 10am', 'Tue 2027-10-12 10:00'),
  paris('weds at 2pm', 'Wed 2027-10-13 14:00'),
  paris('every tues at 10', 'Tue 2027-10-12 10:00', 'Tue 2027-10-19 10:00', 'Tue 2027-10-26 10:00'),
  paris('at 9:00 every weekday', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('every day 9am', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('daily 7:00', 'Tue 2027-10-12 07:00', 'Wed 2027-10-13 07:00', 'Thu 2027-10-14 07:00'),
  paris('9am daily', 'Tue 2027-10-12 09:00', 'Wed 2027-10-13 09:00', 'Thu 2027-10-14 09:00'),
  paris('each monday 8am', 'Mon 2027-10-18 08:00', 'Mon 2027-10-25 08:00', 'Mon 2027-11-01 08:00'),
  paris('every mon at 8', 'Mon 2027-10-18 08:00', 'Mon 2027-10-25 08:00', 'Mon 2027-11-01 08:00'),
  paris('every 3 weeks', 'Mon 2027-11-01 12:00', 'Mon 2027-11-22 12:00', 'Mon 2027-12-13 12:00'),
  paris('in 3 mins', 'Mon 2027-10-11 12:03'),
  paris('in 1 day', 'Tue 2027-10-12 12:00'),
  paris('in 36 hours', 'Wed 2027-10-13 00:00'),
  paris('at 2:15 pm', 'Mon 2027-10-11 14:15'),
  paris('at 14.30', 'Mon 2027-10-11 14:30'),
  paris('tomorrow @ 3pm', 'Tue 2027-10-12 15:00'),
  paris('tomorrow, 9am', 'Tue 2027-10-12 09:00'),
  paris('next tuesday morning', 'Tue 2027-10-12 09:00'),
  paris('this sunday', 'Sun 2027-10-17 09:00'),
  paris('sunday 6pm', 'Sun 2027-10-17 18:00'),
  paris('every sunday 6pm', 'Sun 2027-10-17 18:00', 'Sun 2027-10-24 18:00', 'Sun 2027-10-31 18:00'),
  paris('once a month', 'Thu 2027-11-11 12:00', 'Sat 2027-12-11 12:00', 'Tue 2028-01-11 12:00'),
  paris('every day at 7 am and 7 pm', 'Mon 2027-10-11 19:00', 'Tue 2027-10-12 07:00', 'Tue 2027-10-12 19:00'),
  paris('every hour from 8 to 20', 'Mon 2027-10-11 12:00', 'Mon 2027-10-11 13:00', 'Mon 2027-10-11 14:00'),
  paris('every 2h', 'Mon 2027-10-11 14:00', 'Mon 2027-10-11 16:00', 'Mon 2027-10-11 18:00'),
  paris('every 15 mins between 9am and 10am', 'Tue 2027-10-12 09:00', 'Tue 2027-10-12 09:15', 'Tue 2027-10-12 09:30'),
  paris('1st of every month', 'Mon 2027-11-01 09:00', 'Wed 2027-12-01 09:00', 'Sat 2028-01-01 09:00'),
  paris('every month on the 1st at 9', 'Mon 2027-11-01 09:00', 'Wed 2027-12-01 09:00', 'Sat 2028-01-01 09:00'),
  paris('noon tomorrow', 'Tue 2027-10-12 12:00'),
  paris('tomorrow at 12pm', 'Tue 2027-10-12 12:00'),
  paris('tomorrow at 12am', 'Tue 2027-10-12 00:00'),
  paris('at 6:30 tomorrow morning', 'Tue 2027-10-12 06:30'),
  paris('every friday at 5:00 pm', 'Fri 2027-10-15 17:00', 'Fri 2027-10-22 17:00', 'Fri 2027-10-29 17:00'),
  paris('on the 20th at 10am', 'Wed 2027-10-20 10:00'),
  paris('every 2 weeks on mon and thu at 9', 'Thu 2027-10-14 09:00', 'Mon 2027-10-25 09:00', 'Thu 2027-10-28 09:00'),
  paris('every 10 min', 'Mon 2027-10-11 12:10', 'Mon 2027-10-11 12:20', 'Mon 2027-10-11 12:30'),
  paris('in 1 week', 'Mon 2027-10-18 12:00'),
  // New York, Friday 12 March 2027, 10:00; summer time starts on Sunday.
  newYork('in 20 minutes', 'Fri 2027-03-12 10:20'),
  newYork('in an hour', 'Fri 2027-03-12 11:00'),
  newYork('in 3 days', 'Mon 2027-03-15 10:00'),
  newYork('in 72 hours', 'Mon 2027-03-15 11:00'),
  newYork('in 2 weeks', 'Fri 2027-03-26 10:00'),
  newYork('tomorrow at 9am', 'Sat 2027-03-13 09:00'),
  newYork('tomorrow at 10:30am', 'Sat 2027-03-13 10:30'),
  newYork('tomorrow evening', 'Sat 2027-03-13 18:00'),
  newYork('tonight at 8', 'Fri 2027-03-12 20:00'),
  newYork('at 7:45pm', 'Fri 2027-03-12 19:45'),
  newYork('17h', 'Fri 2027-03-12 17:00'),
  newYork('midnight', 'Sat 2027-03-13 00:00'),
  newYork('friday at 5pm', 'Fri 2027-03-12 17:00'),
  newYork('next friday at 5pm', 'Fri 2027-03-19 17:00'),
  newYork('next week', 'Mon 2027-03-15 09:00'),
  newYork('this weekend', 'Sat 2027-03-13 09:00'),
  newYork('the 15th at 9am', 'Mon 2027-03-15 09:00'),
  newYork('on the 1st', 'Thu 2027-04-01 09:00'),
  // 09:00 in Paris (winter time) is 08:00 UTC, 03:00 in New York.
  newYork('at 9am Europe/Paris', 'Sat 2027-03-13 03:00'),
  newYork('every day at 7:30', 'Sat 2027-03-13 07:30', 'Sun 2027-03-14 07:30', 'Mon 2027-03-15 07:30'),
  newYork('every morning at 6', 'Sat 2027-03-13 06:00', 'Sun 2027-03-14 06:00', 'Mon 2027-03-15 06:00'),
  newYork('every evening', 'Fri 2027-03-12 18:00', 'Sat 2027-03-13 18:00', 'Sun 2027-03-14 18:00'),
  newYork('every day at 9am and 5pm', 'Fri 2027-03-12 17:00', 'Sat 2027-03-13 09:00', 'Sat 2027-03-13 17:00'),
  newYork('every day at 6pm until march 16', 'Fri 2027-03-12 18:00', 'Sat 2027-03-13 18:00', 'Sun 2027-03-14 18:00'),
  newYork('every hour', 'Fri 2027-03-12 11:00', 'Fri 2027-03-12 12:00', 'Fri 2027-03-12 13:00'),
  // 10:00 is one of its times, and it is 10:00: that one is due now.
  newYork('every 2 hours from 8am until 6pm', 'Fri 2027-03-12 10:00', 'Fri 2027-03-12 12:00', 'Fri 2027-03-12 14:00'),
  newYork('every 20 minutes from 1pm to 4pm on weekdays', 'Fri 2027-03-12 13:00', 'Fri 2027-03-12 13:20', 'Fri 2027-03-12 13:40'),
  newYork('every weekday at 9', 'Mon 2027-03-15 09:00', 'Tue 2027-03-16 09:00', 'Wed 2027-03-17 09:00'),
  newYork('every monday at 9am', 'Mon 2027-03-15 09:00', 'Mon 2027-03-22 09:00', 'Mon 2027-03-29 09:00'),
  newYork('every thursday at 6:30pm', 'Thu 2027-03-18 18:30', 'Thu 2027-03-25 18:30', 'Thu 2027-04-01 18:30'),
  newYork('every sunday at 10', 'Sun 2027-03-14 10:00', 'Sun 2027-03-21 10:00', 'Sun 2027-03-28 10:00'),
  newYork('every saturday morning', 'Sat 2027-03-13 09:00', 'Sat 2027-03-20 09:00', 'Sat 2027-03-27 09:00'),
  newYork('every weekend at 11am', 'Sat 2027-03-13 11:00', 'Sun 2027-03-14 11:00', 'Sat 2027-03-20 11:00'),
  newYork('every other friday at 4pm', 'Fri 2027-03-12 16:00', 'Fri 2027-03-26 16:00', 'Fri 2027-04-09 16:00'),
  newYork('every 2 weeks', 'Fri 2027-03-26 10:00', 'Fri 2027-04-09 10:00', 'Fri 2027-04-23 10:00'),
  newYork('last friday of the month at 5pm', 'Fri 2027-03-26 17:00', 'Fri 2027-04-30 17:00', 'Fri 2027-05-28 17:00'),
  newYork('first monday of every month at 10am', 'Mon 2027-04-05 10:00', 'Mon 2027-05-03 10:00', 'Mon 2027-06-07 10:00'),
  newYork('every 3rd of the month at noon', 'Sat 2027-04-03 12:00', 'Mon 2027-05-03 12:00', 'Thu 2027-06-03 12:00'),
  newYork('every 1st of the month at 9am', 'Thu 2027-04-01 09:00', 'Sat 2027-05-01 09:00', 'Tue 2027-06-01 09:00'),
  newYork('every quarter', 'Sat 2027-06-12 10:00', 'Sun 2027-09-12 10:00', 'Sun 2027-12-12 10:00'),
  // 10:00 in Paris: 05:00 in New York once its summer time starts, 04:00 once Paris's does too (28 March).
  newYork('every tuesday at 10am Europe/Paris', 'Tue 2027-03-16 05:00', 'Tue 2027-03-23 05:00', 'Tue 2027-03-30 04:00'),

  newYork('at 3', 'Fri 2027-03-12 15:00'),
  newYork('at 11', 'Fri 2027-03-12 11:00'),
  newYork('in 5 mins', 'Fri 2027-03-12 10:05'),
  newYork('in a couple of hours', 'Fri 2027-03-12 12:00'),
  newYork('sat 10am', 'Sat 2027-03-13 10:00'),
  newYork('sunday morning', 'Sun 2027-03-14 09:00'),
  newYork('monday at 8:30am', 'Mon 2027-03-15 08:30'),
  newYork('every weekday at 7:15am', 'Mon 2027-03-15 07:15', 'Tue 2027-03-16 07:15', 'Wed 2027-03-17 07:15'),
  newYork('every day at noon', 'Fri 2027-03-12 12:00', 'Sat 2027-03-13 12:00', 'Sun 2027-03-14 12:00'),
  newYork('every day at 9pm', 'Fri 2027-03-12 21:00', 'Sat 2027-03-13 21:00', 'Sun 2027-03-14 21:00'),
  newYork('every morning', 'Sat 2027-03-13 09:00', 'Sun 2027-03-14 09:00', 'Mon 2027-03-15 09:00'),
  newYork('every hour on the hour', 'Fri 2027-03-12 11:00', 'Fri 2027-03-12 12:00', 'Fri 2027-03-12 13:00'),
  newYork('every 10 minutes', 'Fri 2027-03-12 10:10', 'Fri 2027-03-12 10:20', 'Fri 2027-03-12 10:30'),
  newYork('every 3 hours', 'Fri 2027-03-12 13:00', 'Fri 2027-03-12 16:00', 'Fri 2027-03-12 19:00'),
  newYork('every wednesday at 8pm', 'Wed 2027-03-17 20:00', 'Wed 2027-03-24 20:00', 'Wed 2027-03-31 20:00'),
  newYork('every tuesday and friday at 11am', 'Fri 2027-03-12 11:00', 'Tue 2027-03-16 11:00', 'Fri 2027-03-19 11:00'),
  newYork('every other saturday at 9', 'Sat 2027-03-13 09:00', 'Sat 2027-03-27 09:00', 'Sat 2027-04-10 09:00'),
  newYork('every month on the 12th', 'Mon 2027-04-12 09:00', 'Wed 2027-05-12 09:00', 'Sat 2027-06-12 09:00'),
  newYork('the first of every month', 'Thu 2027-04-01 09:00', 'Sat 2027-05-01 09:00', 'Tue 2027-06-01 09:00'),
  newYork('every year on april 15 at 9am', 'Thu 2027-04-15 09:00', 'Sat 2028-04-15 09:00', 'Sun 2029-04-15 09:00'),

  newYork('tomorrow at 8', 'Sat 2027-03-13 08:00'),
  newYork('saturday at 2', 'Sat 2027-03-13 14:00'),
  newYork('every night at 11pm', 'Fri 2027-03-12 23:00', 'Sat 2027-03-13 23:00', 'Sun 2027-03-14 23:00'),
  newYork('every morning at 7 except weekends', 'Mon 2027-03-15 07:00', 'Tue 2027-03-16 07:00', 'Wed 2027-03-17 07:00'),
  newYork('every weekday at noon', 'Fri 2027-03-12 12:00', 'Mon 2027-03-15 12:00', 'Tue 2027-03-16 12:00'),
  // Tokyo, Saturday 29 January 2028, 18:30.
  tokyo('in 30 minutes', 'Sat 2028-01-29 19:00'),
  tokyo('in 1 hour 15 minutes', 'Sat 2028-01-29 19:45'),
  tokyo('in 5 days', 'Thu 2028-02-03 18:30'),
  tokyo('tonight at 9', 'Sat 2028-01-29 21:00'),
  tokyo('tonight', 'Sat 2028-01-29 20:00'),
  tokyo('at midnight', 'Sun 2028-01-30 00:00'),
  tokyo('tomorrow morning', 'Sun 2028-01-30 09:00'),
  tokyo('tomorrow at 7:30pm', 'Sun 2028-01-30 19:30'),
  tokyo('this weekend', 'Sun 2028-01-30 09:00'),
  tokyo('on monday', 'Mon 2028-01-31 09:00'),
  tokyo('next week', 'Mon 2028-01-31 09:00'),
  tokyo('next month', 'Tue 2028-02-01 09:00'),
  tokyo('feb 14 at 7pm', 'Mon 2028-02-14 19:00'),
  tokyo('every night', 'Sat 2028-01-29 20:00', 'Sun 2028-01-30 20:00', 'Mon 2028-01-31 20:00'),
  tokyo('every day at 7am', 'Sun 2028-01-30 07:00', 'Mon 2028-01-31 07:00', 'Tue 2028-02-01 07:00'),
  tokyo('twice a day', 'Sat 2028-01-29 21:00', 'Sun 2028-01-30 09:00', 'Sun 2028-01-30 21:00'),
  tokyo('every day at 9pm for 3 days', 'Sat 2028-01-29 21:00', 'Sun 2028-01-30 21:00', 'Mon 2028-01-31 21:00'),
  tokyo('every day at 9am until feb 2', 'Sun 2028-01-30 09:00', 'Mon 2028-01-31 09:00', 'Tue 2028-02-01 09:00'),
  tokyo('every 2 hours', 'Sat 2028-01-29 20:30', 'Sat 2028-01-29 22:30', 'Sun 2028-01-30 00:30'),
  tokyo('every 3 hours from 9am to 9pm', 'Sat 2028-01-29 21:00', 'Sun 2028-01-30 09:00', 'Sun 2028-01-30 12:00'),
  tokyo('every hour from 9 to 5 on weekdays', 'Mon 2028-01-31 09:00', 'Mon 2028-01-31 10:00', 'Mon 2028-01-31 11:00'),
  tokyo('every weekday at 8:15', 'Mon 2028-01-31 08:15', 'Tue 2028-02-01 08:15', 'Wed 2028-02-02 08:15'),
  tokyo('every monday at 9am', 'Mon 2028-01-31 09:00', 'Mon 2028-02-07 09:00', 'Mon 2028-02-14 09:00'),
  tokyo('every other monday', 'Mon 2028-01-31 09:00', 'Mon 2028-02-14 09:00', 'Mon 2028-02-28 09:00'),
  tokyo('every 3 weeks on sunday', 'Sun 2028-01-30 09:00', 'Sun 2028-02-20 09:00', 'Sun 2028-03-12 09:00'),
  tokyo('every friday at 7pm', 'Fri 2028-02-04 19:00', 'Fri 2028-02-11 19:00', 'Fri 2028-02-18 19:00'),
  tokyo('every sunday at 8pm', 'Sun 2028-01-30 20:00', 'Sun 2028-02-06 20:00', 'Sun 2028-02-13 20:00'),
  tokyo('every saturday', 'Sat 2028-02-05 09:00', 'Sat 2028-02-12 09:00', 'Sat 2028-02-19 09:00'),
  tokyo('every weekend at 10', 'Sun 2028-01-30 10:00', 'Sat 2028-02-05 10:00', 'Sun 2028-02-06 10:00'),
  tokyo('the last day of every month at 6pm', 'Mon 2028-01-31 18:00', 'Tue 2028-02-29 18:00', 'Fri 2028-03-31 18:00'),
  tokyo('last friday of the month', 'Fri 2028-02-25 09:00', 'Fri 2028-03-31 09:00', 'Fri 2028-04-28 09:00'),
  tokyo('first monday of the month', 'Mon 2028-02-07 09:00', 'Mon 2028-03-06 09:00', 'Mon 2028-04-03 09:00'),
  tokyo('every 2nd and 4th thursday at 7pm', 'Thu 2028-02-10 19:00', 'Thu 2028-02-24 19:00', 'Thu 2028-03-09 19:00'),
  // A month without the day is skipped, as RFC 5545 says.
  tokyo('every 31st', 'Mon 2028-01-31 09:00', 'Fri 2028-03-31 09:00', 'Wed 2028-05-31 09:00'),
  tokyo('every month on the 30th', 'Sun 2028-01-30 09:00', 'Thu 2028-03-30 09:00', 'Sun 2028-04-30 09:00'),
  tokyo('every 15th at 10am', 'Tue 2028-02-15 10:00', 'Wed 2028-03-15 10:00', 'Sat 2028-04-15 10:00'),
  tokyo('every year on february 29', 'Tue 2028-02-29 09:00', 'Sun 2032-02-29 09:00', 'Fri 2036-02-29 09:00'),

  tokyo('in 10 min', 'Sat 2028-01-29 18:40'),
  tokyo('tonight at 11', 'Sat 2028-01-29 23:00'),
  tokyo('at 11pm', 'Sat 2028-01-29 23:00'),
  tokyo('sunday evening', 'Sun 2028-01-30 18:00'),
  tokyo('on the 5th', 'Sat 2028-02-05 09:00'),
  tokyo('next saturday', 'Sat 2028-02-05 09:00'),
  tokyo('every evening at 9', 'Sat 2028-01-29 21:00', 'Sun 2028-01-30 21:00', 'Mon 2028-01-31 21:00'),
  tokyo('every day at 5', 'Sun 2028-01-30 17:00', 'Mon 2028-01-31 17:00', 'Tue 2028-02-01 17:00'),
  tokyo('every weekday at 6pm', 'Mon 2028-01-31 18:00', 'Tue 2028-02-01 18:00', 'Wed 2028-02-02 18:00'),
  tokyo('every saturday at 8pm', 'Sat 2028-01-29 20:00', 'Sat 2028-02-05 20:00', 'Sat 2028-02-12 20:00'),
  tokyo('every month on the 1st at 9am', 'Tue 2028-02-01 09:00', 'Wed 2028-03-01 09:00', 'Sat 2028-04-01 09:00'),
  tokyo('every 2 weeks on saturday at 10am', 'Sat 2028-02-05 10:00', 'Sat 2028-02-19 10:00', 'Sat 2028-03-04 10:00'),
]

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const two = (n: number): string => String(n).padStart(2, '0')

/** "Tue 2027-10-12 09:00" (seconds when not zero) on the zone's wall clock. */
export function wallClock(instant: number, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone)
  const weekday = WEEKDAYS[new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay()]
  const seconds = wall.second === 0 ? '' : `:${two(wall.second)}`
  return `${weekday} ${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}${seconds}`
}

export type PhraseOutcome = { readonly ok: true; readonly timing: Timing; readonly summary: string; readonly firstThree: readonly string[] } | { readonly ok: false; readonly error: string }

/** What the schedule box makes of a phrase: its first three occurrences from `now`, on the writer's wall clock. */
export function readPhraseOf(phrase: SchedulePhrase, parse: typeof parseSchedule = parseSchedule): PhraseOutcome {
  const now = Date.parse(phrase.now)
  const parsed = parse(phrase.text, { now, timeZone: phrase.timeZone })
  if (!parsed.ok) return parsed
  const firstThree = occurrencesBetween('phrase', parsed.timing, now, Number.POSITIVE_INFINITY, 3).map((occurrence) => wallClock(occurrence.dueAt, phrase.timeZone))
  return { ok: true, timing: parsed.timing, summary: parsed.summary, firstThree }
}

/** Whether the box read the phrase as meant. */
export function readAsMeant(phrase: SchedulePhrase, outcome: PhraseOutcome): boolean {
  return outcome.ok && outcome.firstThree.join('|') === phrase.firstThree.join('|')
}
