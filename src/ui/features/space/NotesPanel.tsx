import type * as Y from 'yjs'
import type { ItemId } from '../../../core/space/ids.ts'
import { itemText } from '../../../core/space/items.ts'
import { useYTextInput } from '../../hooks/useYTextInput.ts'

export function NotesPanel({ doc, id, onClose }: { readonly doc: Y.Doc; readonly id: ItemId; readonly onClose: () => void }) {
  const notes = useYTextInput<HTMLTextAreaElement>(itemText(doc, id, 'notes'))
  const title = itemText(doc, id, 'title')?.toString() || 'untitled item'
  return (
    <aside className="notes-panel panel" aria-label={`Notes for ${title}`}>
      <div className="notes-header">
        <h3>Notes · {title}</h3>
        <button type="button" className="quiet" onClick={onClose}>
          Close
        </button>
      </div>
      <textarea ref={notes} aria-label="Notes" rows={6} placeholder="Anything worth remembering about this item" />
    </aside>
  )
}
