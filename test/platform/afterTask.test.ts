import { describe, expect, it } from 'vitest'
import { afterTask } from '../../src/platform/afterTask.ts'

describe('afterTask', () => {
  it('runs the callback after the current task and its microtasks, once', async () => {
    const order: string[] = []
    afterTask(() => order.push('after task'))
    void Promise.resolve().then(() => order.push('microtask'))
    order.push('now')
    await new Promise<void>((resolve) => afterTask(resolve))
    expect(order).toEqual(['now', 'microtask', 'after task'])
  })
})
