/**
 * A space's items as files people open elsewhere: Markdown (a task list,
 * notes under their item) and CSV (a spreadsheet). Titles and notes are
 * whatever any member wrote, so both formats are written so that no text
 * can become structure: a title cannot start a new item or a heading, a
 * cell cannot become a formula, and no image or HTML a member wrote is
 * fetched by the viewer that opens the file (SECURITY.md EXP1, EXP2).
 */
import type * as Y from 'yjs'
import { itemText, readItems } from './items.ts'

export interface ExportedItem {
  readonly title: string
  readonly done: boolean
  readonly notes: string
}

/** The items in list order, with their notes. */
export function exportedItems(doc: Y.Doc): ExportedItem[] {
  return readItems(doc).map((item) => ({ title: item.title, done: item.done, notes: itemText(doc, item.id, 'notes')?.toString() ?? '' }))
}

/** Every line break a peer could write, and the other control characters that would break a line or hide text. */
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(CONTROL, '')
}

/**
 * Escapes what Markdown reads as markup inside a line: emphasis, code,
 * links, and above all images and HTML, which a viewer would fetch from
 * wherever a member pointed them (a tracking pixel). Line-start markup
 * stays inside its item: a title follows the task marker, a note's lines
 * the quote marker.
 */
function inlineText(line: string): string {
  return line.replace(/[\\`*_[\]()!<>|~]/g, '\\$&')
}

/**
 * A task list under the space's name. A note goes under its item, indented
 * as a quote, so its lines stay inside the item whatever they start with.
 */
export function itemsToMarkdown(spaceName: string, items: readonly ExportedItem[]): string {
  const lines = [`# ${inlineText(oneLine(spaceName)) || 'Untitled space'}`, '']
  for (const item of items) {
    lines.push(`- [${item.done ? 'x' : ' '}] ${inlineText(oneLine(item.title)) || '*untitled item*'}`)
    const notes = item.notes.replace(CONTROL, '').split(LINE_BREAKS)
    if (notes.some((line) => line.trim() !== '')) {
      lines.push('')
      for (const line of notes) lines.push(`  > ${inlineText(line)}`.trimEnd())
      lines.push('')
    }
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
}

/**
 * Spreadsheets run a cell that starts with one of these as a formula
 * (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`): such a cell is written with a
 * leading apostrophe, which they show as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/

function csvCell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** RFC 4180: a header row, CRLF line ends, quoted where needed. Notes keep their line breaks inside their quoted cell. */
export function itemsToCsv(items: readonly ExportedItem[]): string {
  const rows = [['done', 'title', 'notes'], ...items.map((item) => [item.done ? 'yes' : 'no', oneLine(item.title), item.notes.replace(CONTROL, '')])]
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

/** A file name from a space's name: no path separators or characters a file system refuses, never empty. */
export function exportFileName(spaceName: string, extension: 'md' | 'csv'): string {
  const base = oneLine(spaceName)
    .replace(/[\\/:*?"<>|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .slice(0, 80)
    .trim()
  return `${base || 'pii-space'}.${extension}`
}
