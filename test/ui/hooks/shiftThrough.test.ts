import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { shiftThrough } from '../../../src/ui/hooks/useYTextInput.ts'

/** The delta a remote edit produces on a Y.Text holding `initial`. */
function deltaOf(initial: string, edit: (text: Y.Text) => void): Y.YTextEvent['delta'] {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  text.insert(0, initial)
  let delta: Y.YTextEvent['delta'] = []
  text.observe((event) => (delta = event.delta))
  edit(text)
  return delta
}

describe('caret position across a remote edit', () => {
  it('moves right when text is inserted before it, stays when inserted after', () => {
    const delta = deltaOf('hello world', (text) => text.insert(0, '>> '))
    expect(shiftThrough(delta, 5)).toBe(8)
    expect(shiftThrough(deltaOf('hello world', (text) => text.insert(11, '!')), 5)).toBe(5)
  })

  it('moves left when text before it is deleted, and clamps inside a deleted range', () => {
    expect(shiftThrough(deltaOf('hello world', (text) => text.delete(0, 6)), 8)).toBe(2)
    expect(shiftThrough(deltaOf('hello world', (text) => text.delete(2, 6)), 5)).toBe(2)
  })
})
