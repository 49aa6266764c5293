import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { BroadcastChannelTransport, parseTabMessage } from '../../src/sync/BroadcastChannelTransport.ts'

const text = (doc: Y.Doc): string => doc.getText('t').toString()

describe('BroadcastChannelTransport', () => {
  it('brings a newly opened tab up to date both ways, then carries live edits', async () => {
    const first = new Y.Doc()
    const second = new Y.Doc()
    first.getText('t').insert(0, 'from first ')
    second.getText('t').insert(0, 'from second ')
    const a = new BroadcastChannelTransport().connect('space-1', first)
    const b = new BroadcastChannelTransport().connect('space-1', second)

    await vi.waitFor(() => expect(text(first)).toBe(text(second)))
    expect(text(first)).toContain('from first')
    expect(text(first)).toContain('from second')

    second.getText('t').insert(0, 'live ')
    await vi.waitFor(() => expect(text(first).startsWith('live ')).toBe(true))
    a.close()
    b.close()
  })

  it('ignores and counts messages that are not its protocol, and keeps working', async () => {
    const doc = new Y.Doc()
    const transport = new BroadcastChannelTransport()
    const connection = transport.connect('space-2', doc)
    const intruder = new BroadcastChannel('pii:space-2')
    intruder.postMessage('not a message')
    intruder.postMessage({ kind: 'update', from: 'x', update: Uint8Array.of(1, 2, 3, 255) })

    await vi.waitFor(() => expect(transport.rejected).toBe(2))
    const peer = new Y.Doc()
    const peerConnection = new BroadcastChannelTransport().connect('space-2', peer)
    peer.getText('t').insert(0, 'still works')
    await vi.waitFor(() => expect(text(doc)).toBe('still works'))
    intruder.close()
    connection.close()
    peerConnection.close()
  })

  it('sends a run of edits to the other tabs once, merged, after the run; closing sends what is still queued', async () => {
    const doc = new Y.Doc()
    const connection = new BroadcastChannelTransport().connect('space-3', doc)
    const listener = new BroadcastChannel('pii:space-3')
    const updates: Uint8Array[] = []
    listener.onmessage = (event: MessageEvent<unknown>) => {
      const message = parseTabMessage(event.data)
      if (message?.kind === 'update') updates.push(message.update)
    }
    for (const word of ['one ', 'two ', 'three ']) doc.getText('t').insert(doc.getText('t').length, word)
    await vi.waitFor(() => expect(updates).toHaveLength(1))
    const other = new Y.Doc()
    Y.applyUpdate(other, updates[0]!)
    expect(text(other)).toBe('one two three ')

    doc.getText('t').insert(0, 'last ')
    connection.close()
    await vi.waitFor(() => expect(updates).toHaveLength(2))
    Y.applyUpdate(other, updates[1]!)
    expect(text(other)).toBe('last one two three ')
    listener.close()
  })

  it('validates the shape of every message', () => {
    expect(parseTabMessage({ kind: 'hello', from: 'a', stateVector: new Uint8Array() })).toBeDefined()
    expect(parseTabMessage({ kind: 'diff', from: 'a', to: 'b', update: new Uint8Array() })).toBeDefined()
    expect(parseTabMessage({ kind: 'diff', from: 'a', update: new Uint8Array() })).toBeUndefined()
    expect(parseTabMessage({ kind: 'update', from: 'a', update: [1, 2] })).toBeUndefined()
    expect(parseTabMessage({ kind: 'drop-tables', from: 'a' })).toBeUndefined()
    expect(parseTabMessage(null)).toBeUndefined()
  })
})
