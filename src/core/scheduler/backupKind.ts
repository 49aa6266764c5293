/**
 * The `backup` kind: a snapshot of the space's doc saved as a file, the
 * "keep a copy off the sync mesh" case. The file holds the doc's whole
 * state as one Yjs update (`Y.encodeStateAsUpdate`); applying it to an empty
 * doc restores the space as it was when the occurrence ran.
 *
 * The file's name is derived from the occurrence id (G3), so a repeat after
 * a partition saves over the same file instead of adding a second one.
 * Where the file goes is the host's business: the port is built per host
 * (a folder on the personal node, the origin's file system in a page).
 *
 * Any member can plan a backup every 100 ms, and every member's devices run
 * it: after each save, only the operation's last KEPT_BACKUPS_PER_OPERATION
 * files stay on the device (SPEC CAP1), so no member can fill another's disk.
 */
import * as Y from 'yjs'
import type { FieldProblem } from './InvalidFields.ts'
import { HostKind, inputError, type Kind, type KindContext } from './kinds.ts'
import { parseOccurrenceId } from './occurrenceIds.ts'

/** Where a browser keeps backups: a folder of the origin's private file system (run history offers them for download). */
export const BACKUP_FOLDER = 'backups'

/**
 * How many backups of one operation a device keeps (CAP1): enough to go back
 * ten runs (ten days of a nightly backup) past a mistake noticed late, and
 * few enough that an operation running every 100 ms holds at most ten copies
 * of the space on each member's disk.
 */
export const KEPT_BACKUPS_PER_OPERATION = 10

export interface BackupPort {
  /** Writes the file, replacing one of the same name; resolves once it is stored. */
  save(file: { readonly name: string; readonly bytes: Uint8Array; readonly occurrence: string }): Promise<void>
  /** The names of the files in the backups folder, every operation's. */
  list(): Promise<readonly string[]>
  /** Deletes the named file; resolves once it is gone, or when there was none. */
  remove(name: string): Promise<void>
}

export interface BackupInput {
  /** Part of the file name, to tell backups apart; "space" when absent. */
  readonly label?: string
}

const MAX_LABEL_CHARS = 100
const DEFAULT_LABEL = 'space'
/** The longest file name common file systems (ext4, APFS, NTFS) accept. */
const MAX_FILE_NAME_CHARS = 255

function checkBackupInput(input: unknown): FieldProblem[] {
  if (input === undefined || input === null) return []
  if (typeof input !== 'object' || Array.isArray(input)) return [{ field: 'input', message: 'A backup takes at most a label.' }]
  const { label } = input as Record<string, unknown>
  if (label !== undefined && (typeof label !== 'string' || label.trim() === '' || label.length > MAX_LABEL_CHARS)) {
    return [{ field: 'input.label', message: `The label must be text of 1 to ${MAX_LABEL_CHARS} characters, or left out.` }]
  }
  return []
}

/** A label as a file-name part: letters, digits and dashes, never a dot (the dot separates it from the occurrence). */
function labelPart(label: string | undefined): string {
  const safe = (label ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return safe === '' ? DEFAULT_LABEL : safe
}

/**
 * An operation id as a file-name part that two ids never share: letters,
 * digits and dashes stay, anything else becomes `_<hex>_`. A lossy mapping
 * would let two operations' backups overwrite each other.
 */
const operationPart = (operationId: string): string => operationId.replace(/[^A-Za-z0-9-]/gu, (char) => `_${(char.codePointAt(0) ?? 0).toString(16)}_`)

/** `pii-backup-<label>.<operation>-<n>.yjs`: the same occurrence always gives the same name, and different ones never do. */
export function backupFileName(occurrence: string, label?: string): string {
  // By series, not operation: a later plan's occurrence n is another backup than the first plan's (OP4).
  const { series, index } = parseOccurrenceId(occurrence)
  const occurrencePart = Number.isSafeInteger(index) ? `${operationPart(series)}-${index}` : operationPart(occurrence)
  return `pii-backup-${labelPart(label)}.${occurrencePart}.yjs`
}

/**
 * The operation part and occurrence index of a backup's file name, whatever
 * its label (a label edited between runs still names the same operation's
 * backups). The index is the last `-<digits>`: an operation part keeps its
 * own dashes, so `a-1-0` is occurrence 0 of `a-1`.
 */
const BACKUP_NAME = /^pii-backup-[A-Za-z0-9-]+\.([A-Za-z0-9_-]+)-(\d+)\.yjs$/

/** The plan a backup's operation part names, if it is one of this operation's: `<operation>` is its first plan, `<operation>_40_<plan>` (`@` escaped) a later one. */
function planOfPart(part: string, operation: string): number | undefined {
  if (part === operation) return 0
  const plan = part.startsWith(`${operation}_40_`) ? part.slice(operation.length + 4) : ''
  return /^[1-9]\d*$/u.test(plan) ? Number(plan) : undefined
}

/** Deletes the operation's backups beyond its newest KEPT_BACKUPS_PER_OPERATION, newest by plan and occurrence, over all its plans (CAP1). */
async function deleteOlderBackups(port: BackupPort, operationId: string): Promise<void> {
  const operation = operationPart(operationId)
  const backups = (await port.list()).flatMap((name) => {
    const match = BACKUP_NAME.exec(name)
    const plan = match ? planOfPart(match[1]!, operation) : undefined
    return plan === undefined ? [] : [{ name, plan, index: Number(match![2]) }]
  })
  const older = backups.sort((a, b) => b.plan - a.plan || b.index - a.index).slice(KEPT_BACKUPS_PER_OPERATION)
  for (const backup of older) await port.remove(backup.name)
}

export function backupKind(port: BackupPort): Kind {
  return {
    name: 'backup',
    runsOn: [HostKind.page, HostKind.serviceWorker, HostKind.node],
    checkInput: checkBackupInput,
    // Each run encodes the whole space and writes it to disk: one at a time.
    maxConcurrent: 1,
    async execute(input: unknown, context: KindContext): Promise<string> {
      const invalid = inputError(checkBackupInput(input))
      if (invalid) throw invalid
      const name = backupFileName(context.idempotencyKey, (input as BackupInput | null | undefined)?.label)
      if (name.length > MAX_FILE_NAME_CHARS) throw new Error(`The backup's file name would be ${name.length} characters, more than file systems allow; shorten the label (or the operation's id).`)
      await port.save({ name, bytes: Y.encodeStateAsUpdate(context.doc), occurrence: context.idempotencyKey })
      try {
        await deleteOlderBackups(port, parseOccurrenceId(context.idempotencyKey).operationId)
      } catch (error) {
        // A failed run, though the backup is there: left unnoticed, backups would pile up until the disk is full.
        const reason = error instanceof Error ? error.message : String(error)
        throw new Error(`${name} was saved, but older backups of this operation could not be deleted (${reason}); they stay on this device until a later run deletes them.`, { cause: error })
      }
      return name
    },
  }
}
