import { useCallback } from 'react'
import type * as Y from 'yjs'
import type { ItemId } from '../../../core/space/ids.ts'
import { itemText, itemWriters } from '../../../core/space/items.ts'
import { useDocValue } from '../../hooks/useDocValue.ts'
import { useYTextInput } from '../../hooks/useYTextInput.ts'

const NO_WRITERS: ReturnType<typeof itemWriters> = {}

interface NotesPanelProps {
  readonly doc: Y.Doc
  readonly id: ItemId
  /** A verified member's name for a Yjs client (SignedLog.writerOf, then the membership log); undefined until verified. */
  readonly writerName: (client: number) => string | undefined
  readonly onClose: () => void
}

export function NotesPanel({ doc, id, writerName, onClose }: NotesPanelProps) {
  const notes = useYTextInput<HTMLTextAreaElement>(itemText(doc, id, 'notes'))
  const title = itemText(doc, id, 'title')?.toString() || 'untitled item'
  const readWriters = useCallback((current: Y.Doc) => itemWriters(current, id), [id])
  const writers = useDocValue(doc, readWriters, NO_WRITERS)
  const added = writers.added === undefined ? undefined : writerName(writers.added)
  const done = writers.done === undefined ? undefined : writerName(writers.done)
  return (
    <aside className="notes-panel panel" aria-label={`Notes for ${title}`}>
      <div className="notes-header">
        <h2>Notes · {title}</h2>
        <button type="button" className="quiet" onClick={onClose}>
          Close
        </button>
      </div>
      <textarea ref={notes} aria-label="Notes" rows={6} placeholder="Anything worth remembering about this item" />
      {(added || done) && (
        <p className="muted small" aria-label="Who changed this item">
          {added && `Added by ${added}`}
          {added && done && ' · '}
          {done && `done by ${done}`}
        </p>
      )}
    </aside>
  )
}
