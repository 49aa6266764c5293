import { describe, expect, it } from 'vitest'
import { ConfigError, readRelayConfig, readServerConfig } from '../../src/server/config.ts'

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

describe('relay access config', () => {
  it('[RLY5a] RELAY_TRUSTED_PROXIES takes IPv4 and IPv6 addresses and CIDR ranges; by default it trusts no one', () => {
    const { trustedProxies } = readRelayConfig({ RELAY_TRUSTED_PROXIES: ' 192.0.2.7 , 10.0.0.0/8,2001:db8::/32,, ::1 ' }).access
    const trusted = ['192.0.2.7', '10.255.0.1', '::ffff:10.0.0.1', '2001:db8:ffff::1', '2001:DB8::2', '::1']
    const untrusted = ['192.0.2.8', '11.0.0.1', '::ffff:11.0.0.1', '2001:db9::1', '::2', 'unknown', '', '10.0.0.1x']
    expect(trusted.filter((address) => !trustedProxies.has(address))).toEqual([])
    expect(untrusted.filter((address) => trustedProxies.has(address))).toEqual([])
    expect(readRelayConfig({}).access.trustedProxies.has('127.0.0.1')).toBe(false)
  })

  it("[RLY5b] RELAY_ALLOWED_ORIGINS takes * or origins, normalised as browsers send them; by default only the app's own", () => {
    expect(readRelayConfig({}).access.allowedOrigins).toEqual({ allow: 'ownOrigin' })
    expect(readRelayConfig({ RELAY_ALLOWED_ORIGINS: ' * ' }).access.allowedOrigins).toEqual({ allow: 'any' })
    expect(readRelayConfig({ RELAY_ALLOWED_ORIGINS: 'HTTPS://Pii.Example:443/, http://localhost:5173,' }).access.allowedOrigins).toEqual({
      allow: 'listed',
      origins: new Set(['https://pii.example', 'http://localhost:5173']),
    })
  })

  it.each([
    ['RELAY_TRUSTED_PROXIES', 'localhost'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['RELAY_TRUSTED_PROXIES', '2001:db8::/129'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0.0/'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0.0/8/8'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0.0/-1'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0.0/0x8'],
    ['RELAY_TRUSTED_PROXIES', '10.0.0'],
    ['RELAY_TRUSTED_PROXIES', '*'],
    ['RELAY_ALLOWED_ORIGINS', 'pii.example'],
    ['RELAY_ALLOWED_ORIGINS', 'https://pii.example/app'],
    ['RELAY_ALLOWED_ORIGINS', 'ftp://pii.example'],
    ['RELAY_ALLOWED_ORIGINS', 'https://user@pii.example'],
    ['RELAY_ALLOWED_ORIGINS', 'https://pii.example?x=1'],
    ['RELAY_ALLOWED_ORIGINS', 'null'],
    ['RELAY_ALLOWED_ORIGINS', '*'],
  ])('[RLY5c] a bad entry in %s (%s) stops start-up with a sentence naming the variable and the entry', (variable, entry) => {
    const env = { [variable]: `${variable === 'RELAY_TRUSTED_PROXIES' ? '127.0.0.1' : 'https://ok.example'}, ${entry}` }
    expect(() => readRelayConfig(env)).toThrow(ConfigError)
    expect(() => readRelayConfig(env)).toThrow(`${variable} must `)
    expect(() => readRelayConfig(env)).toThrow(`"${entry}"`)
  })
})
