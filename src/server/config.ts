/** Settings from the environment, checked up front so a typo stops start-up with a sentence, not a stack trace. */

export interface ServerConfig {
  readonly host: string
  readonly port: number
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function readServerConfig(env: NodeJS.ProcessEnv, defaults: ServerConfig): ServerConfig {
  const host = env.HOST?.trim() || defaults.host
  const rawPort = env.PORT?.trim()
  if (rawPort === undefined || rawPort === '') return { host, port: defaults.port }
  const port = Number(rawPort)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535; it is "${rawPort}".`)
  }
  return { host, port }
}
