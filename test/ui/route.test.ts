import { describe, expect, it } from 'vitest'
import { hrefFor, parseRoute } from '../../src/ui/route.ts'

const spaceId = '2eT8n5YJ3zVHNmGQk7aQbu'

describe('routes', () => {
  it('parses home, a space, and anything else', () => {
    expect(parseRoute('')).toEqual({ page: 'home' })
    expect(parseRoute('#/')).toEqual({ page: 'home' })
    expect(parseRoute(`#/space/${spaceId}`)).toEqual({ page: 'space', id: spaceId })
    expect(parseRoute('#/space/not-an-id')).toEqual({ page: 'not-found', hash: '#/space/not-an-id' })
  })

  it('reads a share link as a join, and a damaged one as a clear message', () => {
    const secret = 'AuSsZFKPvHYX6iK1Bqd3HmhwXWZmHGXYdj9HRrS8vU5y'
    expect(parseRoute(`#/s/${spaceId}/${secret}`)).toEqual({ page: 'join', id: spaceId, secret })
    const damaged = parseRoute(`#/s/${spaceId}/${secret.slice(0, -3)}`)
    expect(damaged).toMatchObject({ page: 'bad-link', message: expect.stringContaining('damaged') as unknown })
    expect(parseRoute('#/s/whatever')).toMatchObject({ page: 'bad-link', message: expect.stringContaining('not a Pii share link') as unknown })
  })

  it('says a personal node’s link is for a node, when a browser opens it', () => {
    expect(parseRoute(`#/r/${spaceId}/whatever/else`)).toMatchObject({ page: 'bad-link', message: expect.stringContaining('npm run node -- replicate') as unknown })
  })

  it('reads a pairing link, and says what is wrong with a damaged one', () => {
    const secret = 'AuSsZFKPvHYX6iK1Bqd3HmhwXWZmHGXYdj9HRrS8vU5y'
    expect(parseRoute(`#/pair/${secret}`)).toEqual({ page: 'pair', secret })
    expect(parseRoute(`#/pair/${secret.slice(0, -3)}`)).toMatchObject({ page: 'bad-link', message: expect.stringContaining('damaged') as unknown })
    expect(parseRoute('#/pair/a/b')).toMatchObject({ page: 'bad-link', message: expect.stringContaining('not a Pii pairing link') as unknown })
  })

  it('round-trips a space link', () => {
    expect(parseRoute(hrefFor({ page: 'space', id: spaceId as never }))).toEqual({ page: 'space', id: spaceId })
  })

  it('has an address for the agenda and the inbox, and nothing below them', () => {
    expect(hrefFor({ page: 'agenda' })).toBe('#/agenda')
    expect(hrefFor({ page: 'inbox' })).toBe('#/inbox')
    expect(parseRoute('#/agenda')).toEqual({ page: 'agenda' })
    expect(parseRoute('#/inbox')).toEqual({ page: 'inbox' })
    expect(parseRoute('#/agenda/extra')).toEqual({ page: 'not-found', hash: '#/agenda/extra' })
  })
})
