import { useEffect, useState } from 'react'
import type * as Y from 'yjs'

export interface UndoState {
  readonly canUndo: boolean
  readonly canRedo: boolean
}

export function useUndoState(undo: Y.UndoManager | undefined): UndoState {
  const [state, setState] = useState<UndoState>({ canUndo: false, canRedo: false })
  useEffect(() => {
    if (!undo) return
    const update = (): void => {
      const canUndo = undo.canUndo()
      const canRedo = undo.canRedo()
      // Same values keep the same object, so React does not re-render for nothing.
      setState((state) => (state.canUndo === canUndo && state.canRedo === canRedo ? state : { canUndo, canRedo }))
    }
    update()
    const events = ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const
    for (const event of events) undo.on(event, update)
    return () => {
      for (const event of events) undo.off(event, update)
    }
  }, [undo])
  return state
}
