/**
 * The `notify` kind: a message for the space's members, the "remind us on
 * Tuesday" case. Running an occurrence writes one entry into the space's
 * inbox, keyed by the occurrence id (G3): a repeat after a partition finds
 * the entry there and leaves it as it is, and two peers that both ran it
 * write to the same key, so the merged inbox holds it once.
 *
 * Showing a system notification is not this kind's job: the inbox syncs to
 * every member's devices, and each device's host shows the entries
 * addressed to its member (`isAddressedTo`) as they arrive. A kind that
 * popped a notification itself would show it only on the one peer that
 * happened to run the occurrence.
 */
import type * as Y from 'yjs'
import { isDid } from '../identity/didKey.ts'
import type { FieldProblem } from './InvalidFields.ts'
import { LATEST_TIME } from './schedulers.ts'
import { failedAttemptsOf, type RunRecord } from './claims.ts'
import { HostKind, inputError, type Kind, type KindContext } from './kinds.ts'
import type { Operation } from './operations.ts'

/** Top-level name in a space's doc (SpaceRoot.inbox): part of its stored format. */
export const INBOX = 'inbox'
/** A notification's title is one line in a system banner, which cuts it well before this. */
const MAX_TITLE_CHARS = 200
const MAX_BODY_CHARS = 2000
/** More recipients than a space has members makes no sense; the bound keeps a peer's junk from making every read slow. */
const MAX_RECIPIENTS = 1000

export interface NotifyInput {
  readonly title: string
  readonly body?: string
  /** Member ids (did:key); absent or empty means every member. */
  readonly to?: readonly string[]
}

export interface InboxEntry {
  /** The occurrence that wrote it, which is also its key in the inbox. */
  readonly occurrence: string
  readonly title: string
  readonly body?: string
  /** Member ids (did:key) it is for; empty means every member. */
  readonly to: readonly string[]
  readonly createdAt: number
  /** The peer that ran the occurrence. */
  readonly by: string
}

const isTitle = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '' && value.length <= MAX_TITLE_CHARS
const isBody = (value: unknown): value is string | undefined => value === undefined || (typeof value === 'string' && value.length <= MAX_BODY_CHARS)
const isRecipients = (value: unknown): value is readonly string[] => Array.isArray(value) && value.length <= MAX_RECIPIENTS && value.every(isDid)

function checkNotifyInput(input: unknown): FieldProblem[] {
  if (typeof input !== 'object' || input === null) return [{ field: 'input', message: 'A notification needs a title.' }]
  const fields = input as Record<string, unknown>
  const problems: FieldProblem[] = []
  if (!isTitle(fields.title)) problems.push({ field: 'input.title', message: `The title must be text of 1 to ${MAX_TITLE_CHARS} characters.` })
  if (!isBody(fields.body)) problems.push({ field: 'input.body', message: `The body must be text of at most ${MAX_BODY_CHARS.toLocaleString('en')} characters.` })
  if (fields.to !== undefined && !isRecipients(fields.to)) {
    problems.push({ field: 'input.to', message: `Recipients must be a list of at most ${MAX_RECIPIENTS.toLocaleString('en')} member ids (did:key:…); leave it empty to notify every member.` })
  }
  return problems
}

/** The entry as stored, or undefined for anything a peer wrote that is not one. */
function parseEntry(key: string, value: unknown): InboxEntry | undefined {
  // Entries are plain JSON; a nested Y type is not something this kind writes.
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined
  const fields = value as Record<string, unknown>
  const { occurrence, title, body, to, createdAt, by } = fields
  // The key is what a repeat overwrites (G3): an entry claiming another occurrence than its key is not one this kind wrote.
  if (occurrence !== key || !isTitle(title) || !isBody(body) || !isRecipients(to)) return undefined
  // A time a Date can hold: a peer's 1e16 would make every formatter that shows it throw.
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt > LATEST_TIME || typeof by !== 'string' || by === '') return undefined
  return { occurrence, title, ...(body === undefined ? {} : { body }), to: [...to], createdAt, by }
}

export const notifyKind: Kind = {
  name: 'notify',
  runsOn: [HostKind.page, HostKind.serviceWorker, HostKind.node],
  checkInput: checkNotifyInput,
  execute(input: unknown, context: KindContext): Promise<void> {
    const invalid = inputError(checkNotifyInput(input))
    if (invalid) return Promise.reject(invalid)
    const { title, body, to } = input as NotifyInput
    const inbox = context.doc.getMap<unknown>(INBOX)
    // A repeat leaves the first entry alone: rewriting it would move its
    // createdAt, so a read notification would come back to the top of the inbox.
    if (parseEntry(context.idempotencyKey, inbox.get(context.idempotencyKey)) !== undefined) return Promise.resolve()
    const entry: InboxEntry = {
      occurrence: context.idempotencyKey,
      title,
      ...(body === undefined ? {} : { body }),
      to: [...new Set(to ?? [])],
      createdAt: context.now(),
      by: context.peer,
    }
    inbox.set(context.idempotencyKey, entry)
    return Promise.resolve()
  },
}

/** The inbox key of the notice that an occurrence failed for good: its own, beside a notify occurrence's entry (never the same key). */
export function failureNoticeKey(occurrence: string): string {
  return `${occurrence}!failed`
}

/**
 * K6: tells the operation's creator that an occurrence failed for good
 * (after its retries): an inbox entry for them alone, which each of their
 * devices shows once as a system notification (K4). Keyed by the
 * occurrence, so two peers that both gave up write one notice.
 */
export function postFailureNotice(doc: Y.Doc, operation: Operation, record: RunRecord): void {
  const inbox = doc.getMap<unknown>(INBOX)
  const key = failureNoticeKey(record.occurrence)
  if (parseEntry(key, inbox.get(key)) !== undefined || !isDid(operation.createdBy)) return
  const tries = failedAttemptsOf(record).length + 1
  const title = `“${operation.title}” failed`.slice(0, MAX_TITLE_CHARS)
  const body = `${record.error ?? 'It failed without a reason.'}${tries > 1 ? ` (${tries} attempts)` : ''} See the operation’s run history.`.slice(0, MAX_BODY_CHARS)
  const entry: InboxEntry = { occurrence: key, title, body, to: [operation.createdBy], createdAt: record.doneAt, by: record.by }
  inbox.set(key, entry)
}

/** The inbox's well-formed entries, newest first; anything else a peer wrote there is skipped. */
export function readInbox(doc: Y.Doc): InboxEntry[] {
  const entries: InboxEntry[] = []
  doc.getMap<unknown>(INBOX).forEach((value, key) => {
    const entry = parseEntry(key, value)
    if (entry !== undefined) entries.push(entry)
  })
  // Ties broken by occurrence id, so every replica lists them in one order.
  return entries.sort((a, b) => b.createdAt - a.createdAt || (a.occurrence < b.occurrence ? -1 : a.occurrence > b.occurrence ? 1 : 0))
}

/** Whether a member (did:key) should see an entry: it names them, or names nobody. */
export function isAddressedTo(entry: InboxEntry, member: string): boolean {
  return entry.to.length === 0 || entry.to.includes(member)
}
