/**
 * Linking the personal node to its person, as a phone is linked: the person
 * chooses "Add a device" on a device of theirs, and gives the node the link
 * (`npm run node -- link -`). The node opens it as the pairing's guest; the
 * CLI shows the code both screens compare and asks the person to confirm it;
 * then the node joins the person's home space, and every space of theirs
 * follows (HomeSync), kept keyed, its schedule run here.
 *
 * The CLI and the running node talk in two steps through the control socket
 * (`/link` opens the link and answers the code; `/link-confirm` confirms and
 * answers once linked), so the session lives here between them.
 */
import { WebSocket } from 'ws'
import { DeviceLinking } from '../core/devices/DeviceLinking.ts'
import { PairingLinkError, pairingRoom, parsePairingLink } from '../core/devices/pairing.ts'
import type { PairingGuest, PairingStep } from '../core/devices/PairingSession.ts'
import { signWith, verifySignature, type DeviceKey } from '../core/identity/deviceKey.ts'
import type { SealingKey } from '../core/identity/sealingKey.ts'
import type { SpaceLibrary } from '../core/space/SpaceLibrary.ts'
import { relayUrl } from '../sync/relayUrl.ts'
import { relayPairingChannel } from '../sync/relayPairingChannel.ts'
import type * as Y from 'yjs'
import { NodeInputError } from './nodeErrors.ts'
import { putPersonRelay } from './spaceRelays.ts'

export interface NodePairingDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  readonly key: DeviceKey
  readonly sealing: SealingKey
  readonly name: string
  readonly now: () => number
  /** Resolves once the device doc's listing is on disk. */
  readonly saved: () => Promise<void>
}

/** How long `/link` waits for the person's other device to answer, and `/link-confirm` for the pairing to end. */
const ANSWER_WITHIN_MS = 60_000

export class NodePairing {
  private session: PairingGuest | undefined

  constructor(private readonly deps: NodePairingDeps) {}

  /** Opens a pairing link; resolves with the code to compare, once the other device answers. */
  async open(link: string): Promise<{ readonly code: string; readonly other: string }> {
    const { deps } = this
    let url: URL
    try {
      url = new URL(link.trim())
    } catch {
      throw new NodeInputError(`"${link}" is not a link. On a device of yours, choose "Add a device" and copy the whole link it shows.`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeInputError(`A pairing link starts with https:// or http://; this one starts with ${url.protocol}.`)
    let secret
    try {
      secret = parsePairingLink(url.hash)
    } catch (error) {
      if (error instanceof PairingLinkError) throw new NodeInputError(error.message)
      throw error
    }
    this.session?.stop()
    const relay = relayUrl(url)
    const linking = new DeviceLinking({
      library: deps.library,
      deviceDoc: deps.deviceDoc,
      author: Promise.resolve({ publicKey: deps.key.publicKey, sign: (message: Uint8Array) => signWith(deps.key, crypto.subtle, message) }),
      sealing: Promise.resolve(deps.sealing),
      verify: (publicKey, signature, message) => verifySignature(crypto.subtle, publicKey, signature, message),
      subtle: crypto.subtle,
      channelFor: (pairing) => relayPairingChannel({ url: relay, access: pairingRoom(pairing), WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket }),
      timers: {
        every: (ms, callback) => {
          const timer = setInterval(callback, ms)
          return () => clearInterval(timer)
        },
      },
      now: deps.now,
      origin: url.origin,
      runtime: 'node',
      name: () => deps.name,
    })
    let session: PairingGuest
    try {
      session = await linking.join(secret)
    } catch (error) {
      throw new NodeInputError(error instanceof Error ? error.message : String(error))
    }
    this.session = session
    // The person's spaces are reached through the relay of the link's origin.
    session.onChange(() => {
      if (session.state.step === 'linked') putPersonRelay(deps.deviceDoc, relay)
    })
    const step = await until(session, (state) => state.step !== 'waiting')
    if (step.step !== 'compare') throw new NodeInputError(failure(step, 'Your other device did not answer. Keep its "Add a device" screen open, and try again with a new link.'))
    return { code: step.code, other: step.other }
  }

  /** The person saw the same code on both screens: links the node; resolves once its home has arrived. */
  async confirm(): Promise<{ readonly linked: string }> {
    const session = this.session
    if (!session || session.state.step !== 'compare') throw new NodeInputError('There is no pairing waiting for a confirmation: run `link` with a new link.')
    await session.confirm()
    const step = await until(session, (state) => state.step === 'linked' || state.step === 'failed')
    if (step.step !== 'linked') throw new NodeInputError(failure(step, 'The other device did not confirm in time. Start again with a new link.'))
    await this.deps.saved()
    return { linked: step.other }
  }

  /** The person said no: the other screen is told. */
  cancel(): void {
    this.session?.cancel()
    this.session = undefined
  }

  stop(): void {
    this.session?.stop()
    this.session = undefined
  }
}

function failure(step: PairingStep, otherwise: string): string {
  return step.step === 'failed' ? step.reason : otherwise
}

/** The session's state once `done` says so, or after ANSWER_WITHIN_MS, whichever first. */
function until(session: PairingGuest, done: (state: PairingStep) => boolean): Promise<PairingStep> {
  return new Promise((resolve) => {
    if (done(session.state)) return resolve(session.state)
    const timer = setTimeout(() => {
      stop()
      resolve(session.state)
    }, ANSWER_WITHIN_MS)
    const stop = session.onChange(() => {
      if (!done(session.state)) return
      clearTimeout(timer)
      stop()
      resolve(session.state)
    })
  })
}
