import { describe, expect, it } from 'vitest'
import { readServerConfig } from '../../src/server/config.ts'

const defaults = { host: '127.0.0.1', port: 8080 }

describe('server config', () => {
  it('uses the embedded defaults when nothing is set', () => {
    expect(readServerConfig({}, defaults)).toEqual(defaults)
  })

  it('honours HOST and PORT', () => {
    expect(readServerConfig({ HOST: '0.0.0.0', PORT: '9000' }, defaults)).toEqual({ host: '0.0.0.0', port: 9000 })
  })

  it.each(['http', '80.5', '-1', '70000'])('rejects PORT=%s with a sentence that says what is allowed', (port) => {
    expect(() => readServerConfig({ PORT: port }, defaults)).toThrow(/PORT must be a whole number from 0 to 65535/)
  })
})
