import { useLayoutEffect, useRef } from 'react'
import type * as Y from 'yjs'
import { FIELD_EDIT } from '../../core/space/editOrigins.ts'

type TextField = HTMLInputElement | HTMLTextAreaElement

/**
 * Binds an input or textarea to a Y.Text. Typing becomes the smallest
 * insert/delete on the Y.Text (so two people editing one title merge), and
 * remote changes update the field while keeping the caret where the user
 * left it relative to the text around it.
 */
export function useYTextInput<E extends TextField>(text: Y.Text | undefined) {
  const ref = useRef<E>(null)

  // A layout effect fills the field before the browser paints, so a row never flashes empty.
  useLayoutEffect(() => {
    const field = ref.current
    if (!field || !text) return
    field.value = text.toString()

    const onInput = (): void => {
      const before = text.toString()
      const after = field.value
      if (before === after) return
      let start = 0
      while (start < before.length && start < after.length && before[start] === after[start]) start++
      let endBefore = before.length
      let endAfter = after.length
      while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
        endBefore--
        endAfter--
      }
      // An edit in a field: the log signs it once this key press is on screen (editOrigins.ts).
      text.doc?.transact(() => {
        if (endBefore > start) text.delete(start, endBefore - start)
        if (endAfter > start) text.insert(start, after.slice(start, endAfter))
      }, FIELD_EDIT)
    }

    const onTextChange = (event: Y.YTextEvent): void => {
      const next = text.toString()
      if (field.value === next) return
      const focused = field.ownerDocument.activeElement === field
      const selection = [field.selectionStart ?? 0, field.selectionEnd ?? 0] as const
      field.value = next
      if (focused) field.setSelectionRange(shiftThrough(event.delta, selection[0]), shiftThrough(event.delta, selection[1]))
    }

    field.addEventListener('input', onInput)
    text.observe(onTextChange)
    return () => {
      field.removeEventListener('input', onInput)
      text.unobserve(onTextChange)
    }
  }, [text])

  return ref
}

type Delta = Y.YTextEvent['delta']

/** Where a caret at `position` in the old text ends up after the edits in `delta`. */
export function shiftThrough(delta: Delta, position: number): number {
  let oldIndex = 0
  let shift = 0
  for (const op of delta) {
    if (oldIndex > position) break
    if (op.retain !== undefined) {
      oldIndex += op.retain
    } else if (typeof op.insert === 'string') {
      shift += op.insert.length
    } else if (op.delete !== undefined) {
      shift -= Math.min(op.delete, position - oldIndex)
      oldIndex += op.delete
    }
  }
  return position + shift
}
