/**
 * Structured logs: one JSON object per line on stdout, so a log shipper or
 * `jq` can read them, with a level that LOG_LEVEL sets.
 */
export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const
export type LogLevelName = keyof typeof LogLevel

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

export function isLogLevel(value: string): value is LogLevelName {
  return Object.hasOwn(LogLevel, value)
}

export function createLogger(level: LogLevelName, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = LogLevel[level]
  const emit =
    (name: Exclude<LogLevelName, 'silent'>) =>
    (message: string, fields: LogFields = {}): void => {
      if (LogLevel[name] < threshold) return
      write(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, ...fields }) + '\n')
    }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
