/** What the node's parts log through: JSON lines on stdout in a running node (server/log.ts), nothing in most tests. */
export interface NodeLog {
  info(message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void
  warn(message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void
}
