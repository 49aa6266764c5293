import { describe, expect, it } from 'vitest'
import type { SpaceSync } from '../../../src/core/space/SpaceLibrary.ts'
import { followAttachedSync } from '../../../src/ui/hooks/useSpaceSync.ts'

describe('followAttachedSync', () => {
  it('tells of the sync once attached, not after it is stopped, and takes a space closed before its sync started in its stride', async () => {
    const attached: SpaceSync[] = []
    const sync = {} as SpaceSync
    followAttachedSync({ sync: Promise.resolve(sync) }, (value) => attached.push(value))
    const stop = followAttachedSync({ sync: Promise.resolve(sync) }, (value) => attached.push(value))
    stop()
    // Before, this rejection went unhandled: a page error in the e2e run that reloaded a space as it opened.
    followAttachedSync({ sync: Promise.reject(new Error('The space was closed before its sync started.')) }, (value) => attached.push(value))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(attached).toEqual([sync])
  })
})
