import type { ItemId } from '../../../core/space/ids.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { deleteItem, itemText, MAX_TITLE_LENGTH, setItemDone, type ItemView } from '../../../core/space/items.ts'
import { useYTextInput } from '../../hooks/useYTextInput.ts'

/** Fixed row height lets the list render only the rows in view: 5,000 items cost the same as 20. */
export const ROW_HEIGHT_PX = 48

interface ItemRowProps {
  readonly session: SpaceSession
  readonly item: ItemView
  /** Where the row sits in the whole list (1-based) and how long the list is: only the rows in view are rendered. */
  readonly position: number
  readonly listSize: number
  readonly selected: boolean
  readonly onOpenNotes: (id: ItemId) => void
  /** Moves the item up (-1) or down (+1) one place. */
  readonly onMove: (delta: -1 | 1) => void
  readonly onDragStart: () => void
  readonly onDragEnd: () => void
}

export function ItemRow({ session, item, position, listSize, selected, onOpenNotes, onMove, onDragStart, onDragEnd }: ItemRowProps) {
  const title = useYTextInput<HTMLInputElement>(itemText(session.doc, item.id, 'title'))
  const label = item.title || 'untitled item'
  return (
    <li
      className={`item-row${item.done ? ' done' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${(position - 1) * ROW_HEIGHT_PX}px)` }}
      aria-posinset={position}
      aria-setsize={listSize}
      data-item-id={item.id}
    >
      <span
        className="drag-handle"
        draggable
        aria-hidden
        title="Drag to reorder (or Alt+↑/↓ in the title)"
        onDragStart={(event) => {
          event.dataTransfer.effectAllowed = 'move'
          event.dataTransfer.setData('text/plain', item.title)
          onDragStart()
        }}
        onDragEnd={onDragEnd}
      >
        ⋮⋮
      </span>
      <input type="checkbox" checked={item.done} aria-label={`Done: ${label}`} onChange={(event) => {
          const done = event.target.checked
          session.edit((doc) => setItemDone(doc, item.id, done))
        }} />
      <input
        ref={title}
        className="item-title"
        aria-label="Item title"
        maxLength={MAX_TITLE_LENGTH}
        onKeyDown={(event) => {
          if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
            event.preventDefault()
            onMove(event.key === 'ArrowUp' ? -1 : 1)
          }
        }}
      />
      <button
        type="button"
        className={`quiet notes-button${item.hasNotes ? ' has-notes' : ''}`}
        aria-label={`Notes for ${label}`}
        aria-pressed={selected}
        onClick={() => onOpenNotes(item.id)}
      >
        {item.hasNotes ? 'Notes •' : 'Notes'}
      </button>
      <button type="button" className="quiet danger" aria-label={`Delete ${label}`} onClick={() => session.edit((doc) => deleteItem(doc, item.id))}>
        ✕
      </button>
    </li>
  )
}
