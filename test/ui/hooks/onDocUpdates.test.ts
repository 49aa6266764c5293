import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { onDocUpdates } from '../../../src/ui/hooks/useDocValue.ts'

describe('onDocUpdates', () => {
  it('tells React once per run of updates, after every other listener of those updates', async () => {
    const doc = new Y.Doc()
    const order: string[] = []
    const stop = onDocUpdates(doc, () => order.push('update'), () => order.push('change'))
    // Registered later, as the signed log is: it must still run before React hears of the change.
    doc.on('update', () => order.push('other listener'))
    doc.getText('t').insert(0, 'a')
    doc.getText('t').insert(1, 'b')
    expect(order).toEqual(['update', 'other listener', 'update', 'other listener'])
    await Promise.resolve()
    expect(order.filter((event) => event === 'change')).toHaveLength(1)

    stop()
    doc.getText('t').insert(2, 'c')
    await Promise.resolve()
    expect(order.filter((event) => event === 'change')).toHaveLength(1)
  })
})
