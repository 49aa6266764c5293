import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { OccurrenceId } from '../../../src/core/scheduler/occurrenceIds.ts'
import { RoomClock } from '../../../src/core/scheduler/roomClock.ts'
import { YjsRunTable } from '../../../src/core/scheduler/YjsRunTable.ts'
import { readAcknowledgement } from '../../../src/core/scheduler/claims.ts'

/** A device whose own clock reads `now`, with these peers present. */
function device(present: string[]) {
  const time = { now: 1_000_000 }
  const room = new RoomClock(() => time.now, () => present)
  /** A write from `peer`, whose clock is `offset` ms from ours, arriving after `delay` ms in transit. */
  const hear = (peer: string, offset: number, delay = 0): void => room.observe(peer, time.now - delay + offset)
  return { time, room, hear }
}

describe('room time', () => {
  it('[CL7] a clock 20 s ahead of two agreeing peers moves back to theirs; theirs do not move', () => {
    const fast = device(['b', 'c'])
    fast.hear('b', -20_000)
    fast.hear('c', -19_900)
    expect(fast.room.correction()).toBe(-19_900)
    expect(fast.room.now()).toBe(fast.time.now - 19_900)
    const fine = device(['fast', 'c'])
    fine.hear('fast', 20_000)
    fine.hear('c', 100)
    expect(fine.room.correction()).toBe(100)
  })

  it('[CL7] with two devices that disagree, both run on the later clock, so neither runs early', () => {
    const ahead = device(['behind'])
    ahead.hear('behind', -20_000)
    expect(ahead.room.correction()).toBe(-20_000)
    const behind = device(['ahead'])
    behind.hear('ahead', 20_000)
    expect(behind.room.correction()).toBe(0)
  })

  it('[CL7] takes the reading that spent least time in transit, and counts only the peers present', () => {
    const present = ['b']
    const clock = device(present)
    // b's clock is 5 s ahead; its writes arrive 30 to 400 ms after they were stamped.
    for (const delay of [400, 30, 250]) clock.hear('b', 5_000, delay)
    expect(clock.room.correction()).toBe(0)
    clock.hear('c', 5_000, 30)
    present.push('c')
    expect(clock.room.correction()).toBe(4_970)
    // b leaves the room: its clock no longer counts.
    present.splice(0, 1)
    expect(clock.room.correction()).toBe(0)
  })

  it('[CL7] a reading a day or more off (a wrong clock, or a forged one) is not believed', () => {
    const clock = device(['liar', 'b'])
    clock.hear('liar', 365 * 24 * 3_600_000)
    clock.hear('b', 3_000)
    expect(clock.room.correction()).toBe(0)
    clock.hear('liar', 10_000)
    expect(clock.room.correction()).toBe(3_000)
  })
})

describe('clock readings', () => {
  it('[CL7] only a reading taken within a round trip of this peer’s own write counts: a backlog written hours ago does not look like a slow clock', () => {
    const time = { here: 1_000_000, there: 1_000_000 - 3 * 3_600_000 }
    const heard: Array<[string, number]> = []
    const [here, there] = [new Y.Doc(), new Y.Doc()]
    const mine = new YjsRunTable(here, () => time.here, { onPeerClock: (peer, at) => heard.push([peer, at - time.here]) })
    const theirs = new YjsRunTable(there, () => time.there)
    // Hours ago, offline, the other peer claimed and acknowledged; its backlog arrives now: no reading.
    theirs.putClaim({ occurrence: 'op#0' as OccurrenceId, peer: 'bob', hlc: { wallMs: time.there, counter: 0, peer: 'bob' }, renewal: 0 })
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(heard).toEqual([])
    // This peer claims; the other, its clock 2 s fast now, acknowledges within the round trip: that reading counts.
    time.there = time.here + 2_000
    mine.putClaim({ occurrence: 'op#1' as OccurrenceId, peer: 'alice', hlc: { wallMs: time.here, counter: 0, peer: 'alice' }, renewal: 0 })
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    theirs.acknowledgeClaims('bob')
    time.here += 300
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(heard).toEqual([['bob', 2_000 - 300]])
    // An acknowledgement that comes back after more than the round trip (10 s) counts no more.
    mine.putClaim({ occurrence: 'op#2' as OccurrenceId, peer: 'alice', hlc: { wallMs: time.here, counter: 0, peer: 'alice' }, renewal: 0 })
    Y.applyUpdate(there, Y.encodeStateAsUpdate(here))
    theirs.acknowledgeClaims('bob')
    time.here += 20_000
    Y.applyUpdate(here, Y.encodeStateAsUpdate(there))
    expect(readAcknowledgement(here.getMap('claimAcks').get('bob'))?.taken.get(here.clientID)).toBeGreaterThan(1)
    expect(heard).toHaveLength(1)
  })
})
