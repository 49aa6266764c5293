import { memo, useId } from 'react'
import { FIELD_EDIT } from '../../../core/space/editOrigins.ts'
import type { ItemId } from '../../../core/space/ids.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { deleteItem, MAX_TITLE_LENGTH, moveItem, setItemDone, type ItemView } from '../../../core/space/items.ts'
import { useTextIsEmpty } from '../../hooks/useTextIsEmpty.ts'
import { useYTextInput } from '../../hooks/useYTextInput.ts'

/** Fixed row height lets the list render only the rows in view: 5,000 items cost the same as 20. */
export const ROW_HEIGHT_PX = 48

interface ItemRowProps {
  readonly session: SpaceSession
  readonly item: ItemView
  /** Where the row sits in the whole list, from 1: only the rows in view are rendered. */
  readonly position: number
  readonly selected: boolean
  /** The callbacks must be stable: a row re-renders only when what it shows changes. */
  readonly onOpenNotes: (id: ItemId) => void
  readonly drag: RowDrag
  readonly labels: RowLabels
}

/**
 * The ids of the words every row's controls are named with, rendered once
 * by the list (RowLabelWords). A control is named by a word and the row's
 * title field ("Done:" and "Milk": "Done: Milk"), whose value assistive
 * technology reads as it stands: typing in a title renames them all
 * without React rendering anything.
 */
export interface RowLabels {
  readonly done: string
  readonly notes: string
  readonly remove: string
  readonly more: string
  readonly actions: string
  /** Stands in for an empty title. */
  readonly untitled: string
}

/** Reordering by the handle, with a finger, a pen or a mouse alike (pointer events: touch screens fire no drag events). */
export interface RowDrag {
  readonly start: (id: ItemId) => void
  /** Where the pointer is now, in client coordinates. */
  readonly to: (clientY: number) => void
  readonly drop: (clientY: number) => void
  readonly cancel: () => void
}

/**
 * One row. Memoised: when the list changes, only the rows whose fields,
 * place or selection changed render again, so an edit arriving from a peer
 * costs one row, not every row in view. Typing in its title renders
 * nothing: the field is bound to the shared text, and the controls' names
 * read the field (RowLabels).
 */
export const ItemRow = memo(ItemRowView, (before, after) =>
  before.session === after.session &&
  before.position === after.position &&
  before.selected === after.selected &&
  before.onOpenNotes === after.onOpenNotes &&
  before.drag === after.drag &&
  before.labels === after.labels &&
  sameItem(before.item, after.item),
)

/** The fields a row shows or acts on; its place in the list is `position`, so `order` is not among them. */
function sameItem(before: ItemView, after: ItemView): boolean {
  return before.id === after.id && before.done === after.done && before.hasNotes === after.hasNotes && before.titleText === after.titleText
}

function ItemRowView({ session, item, position, selected, onOpenNotes, drag, labels }: ItemRowProps) {
  const titleField = useYTextInput<HTMLInputElement>(item.titleText)
  // Renders again only when the title becomes empty or stops being: the names read the field itself.
  const untitled = useTextIsEmpty(item.titleText)
  const menuId = useId()
  const titleId = useId()
  const named = (word: string): string => `${word} ${untitled ? labels.untitled : titleId}`
  // `moveItem` indexes the list without the moved item: one up is two below its own index less one.
  const remove = (): void => session.edit((doc) => deleteItem(doc, item.id))
  const moveBy = (delta: -1 | 1): void => session.edit((doc) => moveItem(doc, item.id, Math.max(0, position - 1 + delta)))
  return (
    <li
      className={`item-row${item.done ? ' done' : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${(position - 1) * ROW_HEIGHT_PX}px)` }}
      aria-posinset={position}
      data-item-id={item.id}
    >
      {/* Hidden from assistive technology: the item's menu and Alt+↑/↓ in the title move it without dragging. */}
      <span
        className="drag-handle"
        aria-hidden
        title="Drag to reorder (or Alt+↑/↓ in the title, or Move up/down in the item’s menu)"
        onPointerDown={(event) => {
          if (event.button !== 0) return
          // Captured, the moves and the release come here wherever the pointer goes.
          event.currentTarget.setPointerCapture(event.pointerId)
          drag.start(item.id)
        }}
        onPointerMove={(event) => drag.to(event.clientY)}
        onPointerUp={(event) => drag.drop(event.clientY)}
        onPointerCancel={drag.cancel}
      >
        ⋮⋮
      </span>
      <input type="checkbox" checked={item.done} aria-labelledby={named(labels.done)} onChange={(event) => {
          const done = event.target.checked
          // Signed once the tick is on screen (editOrigins.ts).
          session.edit((doc) => setItemDone(doc, item.id, done), FIELD_EDIT)
        }} />
      <input
        ref={titleField}
        id={titleId}
        className="item-title"
        aria-label="Item title"
        maxLength={MAX_TITLE_LENGTH}
        onKeyDown={(event) => {
          if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
            event.preventDefault()
            moveBy(event.key === 'ArrowUp' ? -1 : 1)
          }
        }}
      />
      <button
        type="button"
        className={`quiet notes-button${item.hasNotes ? ' has-notes' : ''}`}
        aria-labelledby={named(labels.notes)}
        aria-pressed={selected}
        onClick={() => onOpenNotes(item.id)}
      >
        {item.hasNotes ? 'Notes •' : 'Notes'}
      </button>
      {/* On a phone this button gives its room to the title: the item's menu deletes there. */}
      <button type="button" className="quiet danger row-delete" aria-labelledby={named(labels.remove)} onClick={remove}>
        ✕
      </button>
      {/* A native popover: it closes on Escape or a tap elsewhere, and sits in the top layer above the scrolling list. */}
      <button type="button" className="quiet item-menu-button" popoverTarget={menuId} aria-labelledby={named(labels.more)}>
        ⋯
      </button>
      {/* Every action on the item, for a finger as much as a keyboard: notes, moving, deleting. */}
      <div popover="auto" id={menuId} className="item-menu" role="group" aria-labelledby={named(labels.actions)}>
        <button type="button" className="quiet" popoverTarget={menuId} popoverTargetAction="hide" onClick={() => onOpenNotes(item.id)}>
          Notes
        </button>
        <button type="button" className="quiet" popoverTarget={menuId} popoverTargetAction="hide" disabled={position === 1} onClick={() => moveBy(-1)}>
          Move up
        </button>
        <button type="button" className="quiet" popoverTarget={menuId} popoverTargetAction="hide" onClick={() => moveBy(1)}>
          Move down
        </button>
        <button type="button" className="quiet danger" popoverTarget={menuId} popoverTargetAction="hide" onClick={remove}>
          Delete
        </button>
      </div>
    </li>
  )
}

/** The words of RowLabels, once for the whole list, hidden: they are read only as parts of the rows' names. */
export function RowLabelWords({ labels }: { readonly labels: RowLabels }) {
  return (
    <div hidden>
      <span id={labels.done}>Done:</span>
      <span id={labels.notes}>Notes for</span>
      <span id={labels.remove}>Delete</span>
      <span id={labels.more}>More for</span>
      <span id={labels.actions}>Actions for</span>
      <span id={labels.untitled}>untitled item</span>
    </div>
  )
}
