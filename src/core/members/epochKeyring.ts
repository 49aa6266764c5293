/**
 * The content keys of a space's epochs that this device holds (M10, M11):
 * the key of the epoch its secret belongs to, and every earlier one, each
 * rekey carrying the secret before it under its own. A device keeps them
 * all, since envelopes of every epoch stay in the log.
 *
 * Which epoch the device's secret belongs to: the space's list entry says
 * so once this device created the space (0) or followed a rekey. A link
 * opened later carries the secret of the epoch it was made in, which no
 * entry names: the rekey whose previous secret opens with it is that epoch
 * (AES-GCM opens under one key only); none, epoch 0. Until the membership
 * log has arrived (its genesis), no epoch is assumed, so nothing is sealed
 * under a guess that every other peer would refuse.
 */
import type * as Y from 'yjs'
import { decodeBase58 } from '../identity/base58.ts'
import { deriveContentKey, type ContentKey, type ContentKeyring } from '../space/contentCipher.ts'
import type { SpaceId } from '../space/ids.ts'
import type { ShareSecret } from '../space/shareLink.ts'
import { findSpace, observeSpaceList, type SpaceEntry } from '../space/spaceList.ts'
import { previousSecret } from './epochs.ts'
import type { SpaceMembership } from './SpaceMembership.ts'

/** The epoch the entry's secret belongs to, where the entry says: followed, or created here (a space not founded yet is in its first). */
function knownEpoch(entry: SpaceEntry): number | undefined {
  return entry.epoch ?? (entry.founding !== undefined ? 0 : undefined)
}

export class EpochKeyring implements ContentKeyring {
  private readonly keys = new Map<number, ContentKey>()
  private readonly secrets = new Map<number, ShareSecret>()
  private readonly listeners = new Set<() => void>()
  private readonly stops: Array<() => void> = []
  private learning: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly space: SpaceId,
    private readonly deviceDoc: Y.Doc,
    private readonly membership: SpaceMembership,
    private readonly subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
  ) {
    const entry = findSpace(deviceDoc, space)
    // Known at once (no await): a space this device made or followed seals its first edit in that edit's transaction.
    const epoch = entry && knownEpoch(entry)
    if (entry?.secret && epoch !== undefined) this.learn(epoch, entry.secret)
    this.stops.push(
      observeSpaceList(deviceDoc, () => this.update()),
      membership.onChange(() => this.update()),
    )
    this.update()
  }

  key(epoch: number): ContentKey | undefined {
    return this.keys.get(epoch)
  }

  current(): ContentKey | undefined {
    let newest: ContentKey | undefined
    for (const key of this.keys.values()) if (!newest || key.epoch > newest.epoch) newest = key
    return newest
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves once what the entry and the log say now is learned. */
  settled(): Promise<void> {
    return this.learning
  }

  stop(): void {
    this.stopped = true
    for (const stop of this.stops) stop()
    this.listeners.clear()
  }

  private update(): void {
    this.learning = this.learning.then(() => this.learnFromLog()).catch(() => undefined)
  }

  private async learnFromLog(): Promise<void> {
    const entry = findSpace(this.deviceDoc, this.space)
    if (this.stopped || !entry?.secret) return
    let epoch = knownEpoch(entry)
    if (epoch === undefined) {
      // A space from before membership, not founded: nobody can have re-keyed it yet.
      if (!this.membership.founded && entry.rolesEnforced === true) return
      epoch = await this.epochOf(entry.secret)
    }
    // An epoch the log has not started (yet) is no epoch of this space: its claim waits for the rekey (a list entry
    // written by a device gone bad may claim any; SECURITY DEV6).
    if (epoch > this.membership.state.epoch) return
    let learned = this.learn(epoch, entry.secret)
    // Back through the rekeys: each carries the secret of the epoch before it under its own.
    const rekeys = new Map(this.membership.state.rekeys.map((rekey) => [rekey.epoch, rekey]))
    for (let at = Math.min(Math.max(...this.secrets.keys()), this.membership.state.epoch); at > 0; at--) {
      const secret = this.secrets.get(at)
      const rekey = rekeys.get(at)
      if (!secret || !rekey || this.secrets.has(at - 1) || !this.subtle) continue
      const before = await previousSecret(this.subtle, rekey, secret)
      if (before && !this.stopped) learned = this.learn(at - 1, before) || learned
    }
    if (learned && !this.stopped) for (const listener of this.listeners) listener()
  }

  /** The epoch a secret from a link belongs to: that of the rekey it opens the previous secret of, or 0. */
  private async epochOf(secret: ShareSecret): Promise<number> {
    const subtle = this.subtle
    if (!subtle) return 0
    for (const rekey of [...this.membership.state.rekeys].reverse()) if (await previousSecret(subtle, rekey, secret)) return rekey.epoch
    return 0
  }

  /** Keeps an epoch's secret and key; true when it was new. */
  private learn(epoch: number, secret: ShareSecret): boolean {
    if (this.secrets.has(epoch)) return false
    const bytes = decodeBase58(secret)
    if (!bytes) return false
    this.secrets.set(epoch, secret)
    this.keys.set(epoch, deriveContentKey(this.space, epoch, bytes))
    return true
  }
}
