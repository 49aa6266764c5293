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

  it('round-trips a space link', () => {
    expect(parseRoute(hrefFor({ page: 'space', id: spaceId as never }))).toEqual({ page: 'space', id: spaceId })
  })
})
