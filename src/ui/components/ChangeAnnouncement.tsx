import { useEffect, useRef, useState } from 'react'

interface ChangeAnnouncementProps<T> {
  /** Compared with ===: a new value is a change. */
  readonly state: T
  /** What to say when `state` becomes this value. */
  readonly words: (state: T) => string
  readonly testId: string
}

/**
 * A polite live region for screen readers that says something when `state`
 * changes, and nothing for the state the page opened in. The region is on
 * the page from the start: one inserted already filled is often not read.
 */
export function ChangeAnnouncement<T>({ state, words, testId }: ChangeAnnouncementProps<T>) {
  const [said, setSaid] = useState('')
  const before = useRef(state)
  const latestWords = useRef(words)
  useEffect(() => {
    latestWords.current = words
  })
  useEffect(() => {
    if (before.current === state) return
    before.current = state
    setSaid(latestWords.current(state))
  }, [state])
  return (
    <span className="visually-hidden" role="status" data-testid={testId}>
      {said}
    </span>
  )
}
