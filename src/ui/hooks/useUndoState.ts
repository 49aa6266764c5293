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
    const update = (): void => setState({ canUndo: undo.canUndo(), canRedo: undo.canRedo() })
    update()
    const events = ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const
    for (const event of events) undo.on(event, update)
    return () => {
      for (const event of events) undo.off(event, update)
    }
  }, [undo])
  return state
}
