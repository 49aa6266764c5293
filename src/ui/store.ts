/**
 * UI state that is not data: where the user is, what the browser reported,
 * what needs their attention. Data (spaces, items, names) lives in Yjs docs
 * and is read through the hooks in ./hooks; this store never copies it.
 * React binds to it in ./hooks/useUi.ts, so main.tsx can update it without
 * loading React.
 */
import { createStore } from 'zustand/vanilla'
import type { StorageEstimate } from '../storage/browserStorage.ts'
import type { Route } from './route.ts'

export interface SaveProblem {
  readonly docName: string
  readonly message: string
}

export interface UiState {
  readonly route: Route
  /** A new version of the app is installed and waiting for the user to reload. */
  readonly updateReady: boolean
  /** Set when the browser refuses IndexedDB: nothing will outlive the tab. */
  readonly storageUnavailable: string | undefined
  readonly storageEstimate: StorageEstimate | undefined
  /** Docs whose latest changes are only in memory, with the reason. */
  readonly saveProblems: readonly SaveProblem[]
  /** Why the last space left could not be deleted from storage: leaving from its view ends on the list, which tells it. */
  readonly leaveProblem: string | undefined
}

export const uiStore = createStore<UiState>()(() => ({
  route: { page: 'home' },
  updateReady: false,
  storageUnavailable: undefined,
  storageEstimate: undefined,
  saveProblems: [],
  leaveProblem: undefined,
}))

/** Storage reports only changes (saving failed, saving works again), so each call updates the list. */
export function reportSaveStatus(docName: string, saved: boolean, message?: string): void {
  const others = uiStore.getState().saveProblems.filter((problem) => problem.docName !== docName)
  uiStore.setState({ saveProblems: saved || message === undefined ? others : [...others, { docName, message }] })
}
