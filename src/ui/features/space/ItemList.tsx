import { useId, useLayoutEffect, useMemo, useRef, useState } from 'react'
import type { ItemId } from '../../../core/space/ids.ts'
import { moveItem, type ItemView } from '../../../core/space/items.ts'
import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { ItemRow, ROW_HEIGHT_PX, RowLabelWords, type RowDrag, type RowLabels } from './ItemRow.tsx'

/** Rows rendered beyond each edge so fast scrolling does not show blank space. */
const OVERSCAN_ROWS = 8
/** Whether this page load has set its `pii:items-rendered` mark (a flag: searching the performance timeline on every change costs). */
let itemsRenderedMarked = false

interface ItemListProps {
  readonly session: SpaceSession
  readonly items: readonly ItemView[]
  /** An item to scroll into view once it is in the list, e.g. the one just added. */
  readonly reveal: ItemId | undefined
  readonly notesFor: ItemId | undefined
  readonly onOpenNotes: (id: ItemId) => void
}

export function ItemList({ session, items, reveal, notesFor, onOpenNotes }: ItemListProps) {
  const scroller = useRef<HTMLDivElement>(null)
  const labelsId = useId()
  // One object for the list's life, so the memoised rows never render again for it.
  const labels = useMemo(
    (): RowLabels => ({
      done: `${labelsId}-done`,
      notes: `${labelsId}-notes`,
      remove: `${labelsId}-delete`,
      more: `${labelsId}-more`,
      actions: `${labelsId}-actions`,
      untitled: `${labelsId}-untitled`,
    }),
    [labelsId],
  )
  // A first guess at the visible height (the list fills most of the window) that the layout effect corrects.
  const [view, setView] = useState(() => ({ top: 0, height: window.innerHeight }))
  const [dropIndex, setDropIndex] = useState<number | undefined>(undefined)
  // Read by the drag's callbacks, which stay the same object so the memoised rows do not re-render for them.
  const latest = useRef({ items, session })
  useLayoutEffect(() => {
    latest.current = { items, session }
  })

  useLayoutEffect(() => {
    const element = scroller.current
    if (!element) return
    // Unchanged numbers keep the same state object, so React skips a re-render before first paint.
    const measure = (): void =>
      setView((view) =>
        view.top === element.scrollTop && view.height === element.clientHeight ? view : { top: element.scrollTop, height: element.clientHeight },
      )
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  // Scrolls to an item once, when it arrives, so later changes from peers never yank the list back to it.
  const revealed = useRef<ItemId | undefined>(undefined)
  useLayoutEffect(() => {
    const element = scroller.current
    if (!element || reveal === undefined || revealed.current === reveal) return
    const index = items.findIndex((item) => item.id === reveal)
    if (index < 0) return
    revealed.current = reveal
    const rowTop = index * ROW_HEIGHT_PX
    const top = rowTop < view.top ? rowTop : rowTop + ROW_HEIGHT_PX > view.top + view.height ? rowTop + ROW_HEIGHT_PX - view.height : undefined
    if (top === undefined) return
    // Scrolling needs layout: in the next frame the browser lays out anyway, while here it would force
    // a layout before this edit's envelope leaves. Measured from the tracked view, not the element, for the same reason.
    requestAnimationFrame(() => (element.scrollTop = top))
  }, [reveal, items, view])

  useLayoutEffect(() => {
    if (items.length === 0) return
    // One mark per page load, read by bench/open.ts: the rows (their titles filled
    // by their own layout effects) are in the DOM and paint in this frame.
    if (!itemsRenderedMarked) {
      itemsRenderedMarked = true
      requestAnimationFrame(() => performance.mark('pii:items-rendered'))
    }
  }, [items.length])

  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT_PX) - OVERSCAN_ROWS)
  const last = Math.min(items.length, Math.ceil((view.top + view.height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS)

  const dragging = useRef<ItemId | undefined>(undefined)
  const drag = useMemo((): RowDrag => {
    /** The gap between rows nearest to the pointer: 0 is above the first row, the length below the last. */
    const indexAt = (clientY: number): number => {
      const element = scroller.current
      if (!element) return 0
      const y = clientY - element.getBoundingClientRect().top + element.scrollTop
      return Math.max(0, Math.min(latest.current.items.length, Math.round(y / ROW_HEIGHT_PX)))
    }
    const end = (): void => {
      dragging.current = undefined
      setDropIndex(undefined)
    }
    return {
      start: (id) => (dragging.current = id),
      to: (clientY) => dragging.current !== undefined && setDropIndex(indexAt(clientY)),
      drop: (clientY) => {
        const id = dragging.current
        end()
        const { items, session } = latest.current
        const from = items.findIndex((item) => item.id === id)
        const to = indexAt(clientY)
        // A tap on the handle, or a drop on either side of the row itself, leaves it where it is (and writes nothing).
        if (id === undefined || from < 0 || to === from || to === from + 1) return
        // `moveItem` indexes the list without the moved item: dropping below itself shifts by one.
        session.edit((doc) => moveItem(doc, id, to > from ? to - 1 : to))
      },
      cancel: end,
    }
  }, [])

  return (
    <div
      ref={scroller}
      className="item-scroller"
      onScroll={(event) => setView({ top: event.currentTarget.scrollTop, height: event.currentTarget.clientHeight })}
    >
      <ol className="item-list" aria-label="Items" style={{ height: items.length * ROW_HEIGHT_PX }}>
        {items.slice(first, last).map((item, offset) => {
          const index = first + offset
          return (
            <ItemRow
              key={item.id}
              session={session}
              item={item}
              position={index + 1}
              selected={notesFor === item.id}
              onOpenNotes={onOpenNotes}
              drag={drag}
              labels={labels}
            />
          )
        })}
        {dropIndex !== undefined && <li className="drop-marker" aria-hidden style={{ top: dropIndex * ROW_HEIGHT_PX }} />}
      </ol>
      <RowLabelWords labels={labels} />
    </div>
  )
}
