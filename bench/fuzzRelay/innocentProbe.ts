/**
 * The innocent bystander of bench/fuzzRelay.ts, in a process of its own so
 * the attacker's busy event loop does not show up as relay latency.
 * Usage: node --import tsx bench/fuzzRelay/innocentProbe.ts <relayUrl>
 * Publishes on topic "innocent" every 20 ms and times each delivery back;
 * on a line "phase <name>" on stdin it starts a new phase; when stdin ends it
 * prints {"<phase>":[latencies ms…],…} and exits.
 */
import { createInterface } from 'node:readline'
import { RelayClient } from '../../test/helpers/relayClient.ts'

const INTERVAL_MS = 20
const relayUrl = process.argv[2]
if (!relayUrl) throw new Error('usage: innocentProbe.ts <relayUrl>')

const sender = await RelayClient.connect(relayUrl)
const receiver = await RelayClient.connect(relayUrl)
await sender.subscribe('innocent')
await receiver.subscribe('innocent')

const phases: Record<string, number[]> = { quiet: [] }
let phase = 'quiet'
let running = true
const sentAt = new Map<number, { at: number; phase: string }>()
receiver.socket.on('message', (data: Buffer) => {
  const message = JSON.parse(data.toString()) as { seq?: number }
  const sent = message.seq === undefined ? undefined : sentAt.get(message.seq)
  if (!sent || message.seq === undefined) return
  sentAt.delete(message.seq)
  phases[sent.phase]?.push(performance.now() - sent.at)
})

createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^phase (\w+)$/.exec(line)
  if (match?.[1]) {
    phase = match[1]
    phases[phase] ??= []
  }
})
process.stdin.on('end', () => (running = false))
process.stdout.write('ready\n')

for (let seq = 0; running; seq++) {
  sentAt.set(seq, { at: performance.now(), phase })
  sender.send({ type: 'publish', topic: 'innocent', data: 'hello', seq })
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
}
// Let the last deliveries land before reporting.
await new Promise((resolve) => setTimeout(resolve, 200))
process.stdout.write(JSON.stringify(phases) + '\n')
sender.close()
receiver.close()
