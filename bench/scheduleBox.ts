/**
 * Schedule box benchmark (e): the share of a phrase table of everyday
 * phrases (test/core/scheduler/schedulePhrases.ts: how people write
 * reminders, each with the first three occurrences it is meant to give)
 * that the schedule box (src/core/scheduler/naturalLanguage.ts) reads as
 * meant. Target: ≥ 95 %. Also counts the phrases issue 14 lists as failing
 * or misleading before. Side by side, the same table read by the schedule
 * box before it (bench/scheduler/previousScheduleBox.ts, as of commit
 * 106bdbe), and the ratio of the two shares.
 *
 * Run: node --import tsx bench/scheduleBox.ts. It prints one line per
 * phrase read otherwise, writes bench/results/schedulebox.json, and its
 * last stdout line is the summary:
 *   RESULT schedulebox share=<pct> phrases=<n> target=met|missed
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readAsMeant, readPhraseOf, SCHEDULE_PHRASES, type PhraseOutcome, type SchedulePhrase } from '../test/core/scheduler/schedulePhrases.ts'
import { parseSchedule as previousParseSchedule } from './scheduler/previousScheduleBox.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RESULTS_FILE = join(REPO, 'bench/results/schedulebox.json')
/** Issue 14's benchmark (e): at least 95 % of everyday phrases read as meant. */
const TARGET_SHARE = 0.95

export interface ScheduleBoxResult {
  /** Phrases in the table. */
  readonly phrases: number
  /** Phrases read to the first three occurrences meant. */
  readonly parsed: number
  /** parsed / phrases, from 0 to 1. */
  readonly share: number
  /** The issue's own phrases, and how many of them were read as meant. */
  readonly issuePhrases: number
  readonly issueParsed: number
  /** The same for the schedule box before this one. */
  readonly previousParsed: number
  readonly previousIssueParsed: number
  /** The phrases read otherwise, with what the box made of them. */
  readonly misses: ReadonlyArray<{ readonly phrase: SchedulePhrase; readonly outcome: PhraseOutcome }>
}

/** Reads every phrase of the table; pure apart from the time it takes. */
export function scheduleBoxBench(): ScheduleBoxResult {
  const misses: Array<{ phrase: SchedulePhrase; outcome: PhraseOutcome }> = []
  let issueParsed = 0
  for (const phrase of SCHEDULE_PHRASES) {
    const outcome = readPhraseOf(phrase)
    if (!readAsMeant(phrase, outcome)) misses.push({ phrase, outcome })
    else if (phrase.fromIssue) issueParsed++
  }
  const phrases = SCHEDULE_PHRASES.length
  const parsed = phrases - misses.length
  const issuePhrases = SCHEDULE_PHRASES.filter((phrase) => phrase.fromIssue).length
  const previous = SCHEDULE_PHRASES.filter((phrase) => readAsMeant(phrase, readPhraseOf(phrase, previousParseSchedule)))
  return { phrases, parsed, share: phrases === 0 ? 0 : parsed / phrases, issuePhrases, issueParsed, previousParsed: previous.length, previousIssueParsed: previous.filter((phrase) => phrase.fromIssue).length, misses }
}

async function main(): Promise<void> {
  const started = performance.now()
  const result = scheduleBoxBench()
  const elapsedMs = performance.now() - started
  for (const { phrase, outcome } of result.misses) {
    const got = outcome.ok ? `${outcome.firstThree.join(' | ') || '(no occurrence)'} («${outcome.summary}»)` : `error: ${outcome.error}`
    console.log(`MISS "${phrase.text}" (${phrase.timeZone}, typed at ${phrase.now})\n  meant: ${phrase.firstThree.join(' | ')}\n  got:   ${got}`)
  }
  const percent = (result.share * 100).toFixed(1)
  const met = result.share >= TARGET_SHARE
  console.log(`${result.parsed} of ${result.phrases} everyday phrases read as meant (${percent} %, target ≥ ${TARGET_SHARE * 100} %): ${met ? 'met' : 'missed'}`)
  console.log(`Issue 14's own phrases: ${result.issueParsed} of ${result.issuePhrases} read as meant; ${(elapsedMs / result.phrases).toFixed(2)} ms per phrase (both boxes).`)
  const previousPercent = ((result.previousParsed / result.phrases) * 100).toFixed(1)
  const ratio = (result.parsed / Math.max(1, result.previousParsed)).toFixed(2)
  console.log(`The box before: ${result.previousParsed} of ${result.phrases} (${previousPercent} %), issue 14's own ${result.previousIssueParsed} of ${result.issuePhrases}; ratio ${ratio}×.`)
  await mkdir(dirname(RESULTS_FILE), { recursive: true })
  const misses = result.misses.map(({ phrase, outcome }) => ({ text: phrase.text, timeZone: phrase.timeZone, now: phrase.now, meant: phrase.firstThree, got: outcome.ok ? outcome.firstThree : outcome.error }))
  await writeFile(
    RESULTS_FILE,
    JSON.stringify({ benchmark: 'schedulebox', date: new Date().toISOString(), node: process.version, phrases: result.phrases, parsed: result.parsed, share: result.share, issuePhrases: result.issuePhrases, issueParsed: result.issueParsed, previousParsed: result.previousParsed, previousIssueParsed: result.previousIssueParsed, targetShare: TARGET_SHARE, met, misses }, null, 2),
  )
  console.log(`RESULT schedulebox share=${percent} previous_share=${previousPercent} ratio=${ratio} phrases=${result.phrases} target=${met ? 'met' : 'missed'}`)
}

// Run directly, not when bench/scheduler.ts imports scheduleBoxBench.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
