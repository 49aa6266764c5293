import { describe, expect, it } from 'vitest'
import { deviceZone, timeZoneOptions, zoneOf } from '../../../../src/ui/features/schedule/timeZones.ts'

describe('the operation’s time zone', () => {
  it('[OP11] offers every zone the platform knows with UTC, keeps an alias an operation already has, and reads an operation’s zone from its rule', () => {
    const zones = timeZoneOptions('Europe/Paris')
    expect(zones).toContain('UTC')
    expect(zones).toContain('America/New_York')
    expect([...zones].sort()).toEqual(zones)
    // A zone the list leaves out (an alias a peer's rule was saved with) is offered first, so the select shows it.
    expect(timeZoneOptions('US/Pacific-New')[0]).toBe('US/Pacific-New')
    expect(timeZoneOptions('Europe/Paris')).toBe(zones)
    expect(zoneOf({ repeat: { kind: 'rrule', timeZone: 'America/New_York' } })).toBe('America/New_York')
    expect(zoneOf({ repeat: { kind: 'every' } })).toBe(deviceZone())
  })
})
