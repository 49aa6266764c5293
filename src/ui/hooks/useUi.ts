import { useStore } from 'zustand'
import { uiStore, type UiState } from '../store.ts'

/** Reads a slice of the UI store; re-renders only when that slice changes. */
export function useUi<T>(select: (state: UiState) => T): T {
  return useStore(uiStore, select)
}
