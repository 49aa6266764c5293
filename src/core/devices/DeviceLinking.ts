/**
 * What a device offers its person for linking devices: show a pairing link
 * (and be the host of that pairing), open one (and be its guest), and
 * unlink a lost device from every space. The pages and the personal node
 * build one each, with their own room to pair in.
 */
import type * as Y from 'yjs'
import type { SealingKey } from '../identity/sealingKey.ts'
import { unlinkDevice, type UnlinkOutcome } from '../members/unlinkDevice.ts'
import type { Verifier } from '../space/envelope.ts'
import type { SpaceLibrary } from '../space/SpaceLibrary.ts'
import type { LogAuthor } from '../space/SignedLog.ts'
import { findSpace, listSpaces } from '../space/spaceList.ts'
import { ensureHome } from './homeSpace.ts'
import { assertMayJoinHome, joinHome } from './joinHome.ts'
import { newPairingSecret, pairingLink, type DeviceRuntime, type PairingSecret } from './pairing.ts'
import { PairingGuest, PairingHost, type PairingChannel, type PairingSessionDeps, type PairingTimers } from './PairingSession.ts'
import { PAIRINGS, putPairing } from './pairingRecords.ts'

export interface DeviceLinkingDeps {
  readonly library: SpaceLibrary
  readonly deviceDoc: Y.Doc
  readonly author: Promise<LogAuthor>
  readonly sealing: Promise<SealingKey | undefined>
  readonly verify: Verifier
  readonly subtle: SubtleCrypto
  /** The room a pairing's two devices talk in (relayPairingChannel.ts). */
  readonly channelFor: (secret: PairingSecret) => PairingChannel
  readonly timers: PairingTimers
  readonly now: () => number
  /** Where links point: the app's origin. */
  readonly origin: string
  readonly runtime: DeviceRuntime
  /** The name the other screen shows for this device. */
  readonly name: () => string
}

export interface UnlinkReport {
  /** How many spaces the device was unlinked from, and how many of them moved to a new key. */
  readonly unlinked: number
  readonly rekeyed: number
  /** Spaces that could not be reached (their log not loaded, or a failure): tried again by the next unlink. */
  readonly failed: number
}

export class DeviceLinking {
  constructor(private readonly deps: DeviceLinkingDeps) {}

  /** Shows a new pairing link: the returned host session drives the screen. The home space is made first if there is none. */
  async host(): Promise<{ readonly link: string; readonly session: PairingHost }> {
    const { deps } = this
    const homeId = await ensureHome(deps.library, deps.deviceDoc)
    const secret = newPairingSecret()
    const session = new PairingHost({
      ...(await this.sessionDeps(secret)),
      home: () => {
        const entry = findSpace(deps.deviceDoc, homeId)
        if (!entry?.secret) return Promise.reject(new Error('This device’s home space is gone. Start again.'))
        return Promise.resolve({ space: homeId, secret: entry.secret, ...(entry.epoch === undefined ? {} : { epoch: entry.epoch }) })
      },
      onPaired: (record) => putPairing(deps.deviceDoc.getMap(PAIRINGS), record),
    })
    return { link: pairingLink(deps.origin, secret), session }
  }

  /** Opens a pairing link on this device: it becomes a device of the person whose device showed it, once both confirm. */
  async join(secret: PairingSecret): Promise<PairingGuest> {
    const { deps } = this
    assertMayJoinHome(deps.deviceDoc)
    const sealing = await deps.sealing
    if (!sealing) throw new Error('This browser cannot receive sealed keys (no X25519 in WebCrypto), so it cannot be linked. Use a current browser.')
    return new PairingGuest({
      ...(await this.sessionDeps(secret)),
      sealing,
      runtime: deps.runtime,
      onWelcome: (home, record) => joinHome(deps, home, record),
    })
  }

  /** What both sides of a pairing are built from: its room, this device's key and name, the checks and timers. */
  private async sessionDeps(secret: PairingSecret): Promise<PairingSessionDeps> {
    const { deps } = this
    const author = await deps.author
    return {
      secret,
      channel: deps.channelFor(secret),
      device: { publicKey: author.publicKey, sign: (message) => author.sign(message), name: deps.name() },
      verify: deps.verify,
      subtle: deps.subtle,
      timers: deps.timers,
      now: deps.now,
    }
  }

  /** Unlinks `device` (another device of this person) from every space on this device, the home first, and rekeys each where it may. */
  async unlink(device: Uint8Array): Promise<UnlinkReport> {
    const { deps } = this
    const author = await deps.author
    const spaces = listSpaces(deps.deviceDoc).sort((a, b) => Number(b.home === true) - Number(a.home === true))
    let [unlinked, rekeyed, failed] = [0, 0, 0]
    for (const entry of spaces) {
      if (!entry.secret || entry.invite !== undefined) continue
      const session = deps.library.openSpace(entry.id)
      try {
        const sync = await session.sync
        const secret = findSpace(deps.deviceDoc, entry.id)?.secret ?? entry.secret
        const outcome: UnlinkOutcome = await unlinkDevice(sync.membership, author, sync.log, device, { subtle: deps.subtle, space: entry.id, secret })
        if (outcome !== 'not-here') unlinked++
        if (outcome === 'unlinked-and-rekeyed') rekeyed++
      } catch {
        failed++
      } finally {
        session.release()
      }
    }
    return { unlinked, rekeyed, failed }
  }
}
