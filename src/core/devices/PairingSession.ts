/**
 * The two sides of pairing a device (pairing.ts for the formats): the host,
 * a device of the person that showed the link, and the guest, the device
 * that opened it. They meet in the link's room, each show the same code,
 * and each side's person confirms on that side:
 *
 *   host  → offer (its key)              guest → request (its keys, name)
 *   both show pairingCode(secret, host, guest)
 *   guest → confirm (its signature of the pairing)
 *   host  → welcome (its signature, the home space sealed to the guest)
 *   guest → linked
 *
 * The room is a relay topic: a message may be lost or come late, so each
 * side sends what it has said so far again every second until the other
 * has what it needs. Each side takes one counterpart only; a second
 * (someone else who holds the link) ends the pairing on that side and, by
 * its cancel, on the other.
 */
import { toHexString } from 'lib0/buffer'
import { openSealed, sealTo, type SealingKey } from '../identity/sealingKey.ts'
import { pairingMessage } from '../members/statement.ts'
import type { Verifier } from '../space/envelope.ts'
import { isSpaceId, type SpaceId } from '../space/ids.ts'
import { isShareSecret, type ShareSecret } from '../space/shareLink.ts'
import { encodePairingMessage, homeBoxContext, pairingCode, PAIRING_TTL_MS, readPairingMessage, type DeviceRuntime, type PairingMessage, type PairingSecret } from './pairing.ts'
import { pairingRecord, type PairingRecord } from './pairingRecords.ts'

/** The room both sides talk through (relayPairingChannel.ts, or an in-memory one in tests). */
export interface PairingChannel {
  /** Publishes one message to whoever else is in the room. */
  send(text: string): void
  /** Calls `listener` with each message from someone else, unchecked. */
  onMessage(listener: (text: unknown) => void): () => void
  close(): void
}

export interface PairingTimers {
  every(ms: number, callback: () => void): () => void
}

export interface PairingDevice {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
  /** The name the other screen shows for this device. */
  readonly name: string
}

/** The home space a guest is given: enough to open it, and nothing else. */
export interface HomeGrant {
  readonly space: SpaceId
  readonly secret: ShareSecret
  readonly epoch?: number
}

/** What both sides of a pairing are built from. */
export interface PairingSessionDeps {
  readonly secret: PairingSecret
  readonly channel: PairingChannel
  readonly device: PairingDevice
  readonly verify: Verifier
  readonly subtle: SubtleCrypto
  readonly timers: PairingTimers
  readonly now: () => number
}

export type PairingStep =
  /** Waiting for the other device to open the link (host) or for the host to answer (guest). */
  | { readonly step: 'waiting' }
  /** Both screens show `code`: the person compares and confirms. */
  | { readonly step: 'compare'; readonly code: string; readonly other: string; readonly runtime?: DeviceRuntime }
  /** This side confirmed; the other side has not yet. */
  | { readonly step: 'confirmed'; readonly code: string; readonly other: string }
  | { readonly step: 'linked'; readonly other: string }
  | { readonly step: 'failed'; readonly reason: string }

const RESEND_MS = 1_000
const LINGER_RESENDS = 5
const TWO_ANSWERED = 'Two devices answered this link, so it may have been seen by someone else. Nothing was linked: start again with a new link.'
const EXPIRED = 'This pairing link has expired. Choose "Add a device" again for a new one.'

abstract class PairingSide {
  protected current: PairingStep = { step: 'waiting' }
  private readonly listeners = new Set<() => void>()
  /** What this side has said, sent again each second until it stops. */
  protected readonly said = new Map<PairingMessage['kind'], string>()
  private readonly stops: Array<() => void> = []
  private stopped = false
  private expiry = 0
  private lingered = 0

  constructor(protected readonly deps: PairingSessionDeps) {
    this.stops.push(deps.channel.onMessage((text) => void this.receive(text)))
    this.stops.push(
      deps.timers.every(RESEND_MS, () => {
        this.expiry += RESEND_MS
        if (this.expiry >= PAIRING_TTL_MS && this.current.step !== 'linked') this.fail(EXPIRED)
        // Linked: the last words go out a few more times, for a host that has not heard them yet, then the room closes.
        if (this.current.step === 'linked' && ++this.lingered > LINGER_RESENDS) return this.stop()
        this.resend()
      }),
    )
  }

  get state(): PairingStep {
    return this.current
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The person said no, or closed the screen: the other side is told. */
  cancel(reason = 'The pairing was cancelled on the other device.'): void {
    if (this.current.step === 'linked' || this.current.step === 'failed') return this.stop()
    this.say({ kind: 'cancel', device: this.deps.device.publicKey, reason })
    this.fail('Cancelled.')
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    for (const stop of this.stops) stop()
    this.deps.channel.close()
  }

  protected abstract handle(message: PairingMessage): Promise<void>

  protected say(message: PairingMessage): void {
    const text = encodePairingMessage(message)
    this.said.set(message.kind, text)
    if (!this.stopped) this.deps.channel.send(text)
  }

  protected move(step: PairingStep): void {
    this.current = step
    for (const listener of [...this.listeners]) listener()
  }

  protected fail(reason: string): void {
    if (this.current.step === 'failed') return
    this.move({ step: 'failed', reason })
  }

  /** A signature of this pairing by `device`, checked. */
  protected async signedPairing(device: Uint8Array, other: Uint8Array, proof: Uint8Array): Promise<boolean> {
    return this.deps.verify(device, proof, pairingMessage(device, other))
  }

  private resend(): void {
    if (this.stopped || this.current.step === 'failed') return
    for (const text of this.said.values()) this.deps.channel.send(text)
  }

  private async receive(text: unknown): Promise<void> {
    const message = readPairingMessage(text)
    if (!message || this.stopped || this.current.step === 'failed') return
    // Our own words, echoed by the room.
    if (toHexString(message.device) === toHexString(this.deps.device.publicKey)) return
    await this.handle(message)
  }
}

export interface PairingHostDeps extends PairingSessionDeps {
  /** The home space to give the guest (made first if this device has none). */
  readonly home: () => Promise<HomeGrant>
  /** Keeps the pairing once both signatures are here: it links each device into the other's spaces (M13). */
  readonly onPaired: (record: PairingRecord) => void
}

/** The device that showed the link. */
export class PairingHost extends PairingSide {
  private guest: { readonly key: Uint8Array; readonly x25519: Uint8Array; readonly name: string } | undefined
  private guestProof: Uint8Array | undefined
  private ownProof: Uint8Array | undefined
  private kept = false

  constructor(private readonly host: PairingHostDeps) {
    super(host)
    this.say({ kind: 'offer', device: host.device.publicKey, name: host.device.name })
  }

  /** The person saw the same code on both screens: sign, and send the guest its home. */
  async confirm(): Promise<void> {
    const guest = this.guest
    if (!guest || this.current.step !== 'compare') return
    const { code, other } = this.current
    this.move({ step: 'confirmed', code, other })
    try {
      const me = this.host.device.publicKey
      this.ownProof = await this.host.device.sign(pairingMessage(me, guest.key))
      const grant = await this.host.home()
      const plain = new TextEncoder().encode(JSON.stringify({ space: grant.space, secret: grant.secret, ...(grant.epoch === undefined ? {} : { epoch: grant.epoch }) }))
      const home = await sealTo(this.host.subtle, guest.x25519, plain, homeBoxContext(me, guest.key))
      this.say({ kind: 'welcome', device: me, guest: guest.key, proof: this.ownProof, home })
      this.keep()
    } catch (error) {
      this.fail(`Could not finish: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  protected async handle(message: PairingMessage): Promise<void> {
    const guest = this.guest
    const fromGuest = guest !== undefined && toHexString(message.device) === toHexString(guest.key)
    switch (message.kind) {
      case 'request':
        if (!guest) {
          this.guest = { key: message.device, x25519: message.x25519, name: message.name }
          this.move({ step: 'compare', code: pairingCode(this.host.secret, this.host.device.publicKey, message.device), other: message.name || 'Unnamed device', runtime: message.runtime })
        } else if (!fromGuest) {
          this.say({ kind: 'cancel', device: this.host.device.publicKey, reason: TWO_ANSWERED })
          this.fail(TWO_ANSWERED)
        }
        return
      case 'confirm':
        if (fromGuest && !this.guestProof && (await this.signedPairing(message.device, this.host.device.publicKey, message.proof))) {
          this.guestProof = message.proof
          this.keep()
        }
        return
      case 'linked':
        if (fromGuest && this.guestProof && this.ownProof) {
          this.move({ step: 'linked', other: guest.name || 'Unnamed device' })
          this.stop()
        }
        return
      case 'cancel':
        if (fromGuest || !guest) this.fail(message.reason)
        return
      default:
        return
    }
  }

  private keep(): void {
    if (this.kept || !this.guest || !this.guestProof || !this.ownProof) return
    this.kept = true
    this.host.onPaired(pairingRecord(this.host.device.publicKey, this.ownProof, this.guest.key, this.guestProof, this.host.now()))
  }
}

export interface PairingGuestDeps extends PairingSessionDeps {
  /** This device's sealing key: the home is sealed to it. */
  readonly sealing: SealingKey
  readonly runtime: DeviceRuntime
  /** Joins the home (keeps the pairing, lists the home space); resolves once done. */
  readonly onWelcome: (home: HomeGrant, record: PairingRecord) => Promise<void>
}

/** The device that opened the link. */
export class PairingGuest extends PairingSide {
  private host: { readonly key: Uint8Array; readonly name: string } | undefined
  private ownProof: Uint8Array | undefined
  private welcomed = false

  constructor(private readonly guest: PairingGuestDeps) {
    super(guest)
    this.say({ kind: 'request', device: guest.device.publicKey, x25519: guest.sealing.publicKey, name: guest.device.name, runtime: guest.runtime })
  }

  /** The person saw the same code on both screens: sign the pairing. */
  async confirm(): Promise<void> {
    const host = this.host
    if (!host || this.current.step !== 'compare') return
    this.move({ step: 'confirmed', code: this.current.code, other: this.current.other })
    this.ownProof = await this.guest.device.sign(pairingMessage(this.guest.device.publicKey, host.key))
    this.say({ kind: 'confirm', device: this.guest.device.publicKey, proof: this.ownProof })
  }

  protected async handle(message: PairingMessage): Promise<void> {
    const host = this.host
    const fromHost = host !== undefined && toHexString(message.device) === toHexString(host.key)
    switch (message.kind) {
      case 'offer':
        if (!host) {
          this.host = { key: message.device, name: message.name }
          this.move({ step: 'compare', code: pairingCode(this.guest.secret, message.device, this.guest.device.publicKey), other: message.name || 'Unnamed device' })
        } else if (!fromHost) {
          this.say({ kind: 'cancel', device: this.guest.device.publicKey, reason: TWO_ANSWERED })
          this.fail(TWO_ANSWERED)
        }
        return
      case 'welcome':
        if (fromHost && this.ownProof && !this.welcomed && toHexString(message.guest) === toHexString(this.guest.device.publicKey)) await this.welcome(host, message.proof, message.home)
        return
      case 'cancel':
        if (fromHost || !host) this.fail(message.reason)
        return
      default:
        return
    }
  }

  private async welcome(host: { readonly key: Uint8Array; readonly name: string }, proof: Uint8Array, box: Uint8Array): Promise<void> {
    const me = this.guest.device.publicKey
    if (!(await this.signedPairing(host.key, me, proof))) return
    const opened = await openSealed(this.guest.subtle, this.guest.sealing, box, homeBoxContext(host.key, me))
    const grant = opened && readGrant(new TextDecoder().decode(opened))
    if (!grant || this.welcomed || !this.ownProof) return
    this.welcomed = true
    try {
      await this.guest.onWelcome(grant, pairingRecord(me, this.ownProof, host.key, proof, this.guest.now()))
    } catch (error) {
      this.welcomed = false
      return this.fail(`Could not join your other device: ${error instanceof Error ? error.message : String(error)}`)
    }
    this.say({ kind: 'linked', device: me })
    this.move({ step: 'linked', other: host.name || 'Unnamed device' })
  }
}

function readGrant(text: string): HomeGrant | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>
    const { space, secret, epoch } = value
    if (!isSpaceId(space) || !isShareSecret(secret)) return undefined
    if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0)) return undefined
    return { space, secret, ...(epoch === undefined ? {} : { epoch }) }
  } catch {
    return undefined
  }
}


/** A channel whose room is still being reached (its code loading): what is sent meanwhile goes once it is there. */
export function deferredChannel(opening: Promise<PairingChannel>): PairingChannel {
  const pending: string[] = []
  const listeners = new Set<(text: unknown) => void>()
  let channel: PairingChannel | undefined
  let closed = false
  void opening.then((opened) => {
    if (closed) return opened.close()
    channel = opened
    opened.onMessage((text) => listeners.forEach((listener) => listener(text)))
    for (const text of pending.splice(0)) opened.send(text)
  })
  return {
    send: (text) => (channel ? channel.send(text) : void pending.push(text)),
    onMessage: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => {
      closed = true
      listeners.clear()
      channel?.close()
    },
  }
}
