import { describe, expect, it } from 'vitest'
import { SLEEP_NOTICE_AFTER_MS, sleepNotice } from '../../../../src/ui/features/schedule/sleepNotice.ts'

const NOW = Date.UTC(2026, 11, 6, 12)

describe('an operation waiting for a device to wake', () => {
  it('[H7] says so, with when a device last ran it, once it is overdue and nobody awake can run its kind', () => {
    const asleep = { now: NOW, kind: 'http', awakeKinds: new Set(['notify', 'doc']), overdueSince: NOW - 60_000, lastRunAt: NOW - 3_600_000 }
    expect(sleepNotice(asleep)).toBe(`Will run when a device that can run it wakes: none is awake now (a device last ran it ${new Date(NOW - 3_600_000).toLocaleString()}).`)
    expect(sleepNotice({ ...asleep, lastRunAt: undefined })).toMatch(/no device has run it yet/)
    // A device that can run it is awake: it is only late, and its host's lag shows that.
    expect(sleepNotice({ ...asleep, awakeKinds: new Set(['http']) })).toBeUndefined()
    // Not overdue, or only just: nothing to say.
    expect(sleepNotice({ ...asleep, overdueSince: undefined })).toBeUndefined()
    expect(sleepNotice({ ...asleep, overdueSince: NOW - SLEEP_NOTICE_AFTER_MS + 1 })).toBeUndefined()
  })
})
