/**
 * The pairings a device took part in, kept in its device doc (and mirrored
 * into the person's home space by HomeSync): for each, both devices' keys
 * and both signatures of their pairing (statement.ts pairingMessage). With
 * one, a device links itself into any space its partner is in (M13).
 */
import type * as Y from 'yjs'
import { toHexString } from 'lib0/buffer'
import { decodeBase58, encodeBase58 } from '../identity/base58.ts'

export interface PairingRecord {
  /** The two devices' Ed25519 keys, the smaller first. */
  readonly a: Uint8Array
  readonly b: Uint8Array
  readonly signatureA: Uint8Array
  readonly signatureB: Uint8Array
  readonly at: number
}

/** The device doc's and the home space's map of pairings: part of the format. */
export const PAIRINGS = 'pairings'

/** A person pairs a handful of devices; a map this long is junk. */
const MAX_PAIRINGS = 256

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) if (a[index] !== b[index]) return a[index]! - b[index]!
  return a.length - b.length
}

/** A record with its two devices in order, whichever way round they were given. */
export function pairingRecord(one: Uint8Array, signatureOne: Uint8Array, other: Uint8Array, signatureOther: Uint8Array, at: number): PairingRecord {
  return compare(one, other) <= 0 ? { a: one, b: other, signatureA: signatureOne, signatureB: signatureOther, at } : { a: other, b: one, signatureA: signatureOther, signatureB: signatureOne, at }
}

export function pairingKey(record: Pick<PairingRecord, 'a' | 'b'>): string {
  return `${toHexString(record.a)}:${toHexString(record.b)}`
}

function readKey(value: unknown, bytes: number): Uint8Array | undefined {
  const decoded = typeof value === 'string' && value.length <= 2 * bytes ? decodeBase58(value) : undefined
  return decoded?.length === bytes ? decoded : undefined
}

/** A stored record, checked; undefined for anything else (the home space is written by every device of the person, a stolen one included). */
export function readPairingRecord(key: string, value: unknown): PairingRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const fields = value as Record<string, unknown>
  const [a, b] = [readKey(fields.a, 32), readKey(fields.b, 32)]
  const [signatureA, signatureB] = [readKey(fields.signatureA, 64), readKey(fields.signatureB, 64)]
  const at = fields.at
  if (!a || !b || !signatureA || !signatureB || typeof at !== 'number' || compare(a, b) >= 0) return undefined
  const record = { a, b, signatureA, signatureB, at }
  return pairingKey(record) === key ? record : undefined
}

export function storedPairing(record: PairingRecord): Record<string, string | number> {
  return { a: encodeBase58(record.a), b: encodeBase58(record.b), signatureA: encodeBase58(record.signatureA), signatureB: encodeBase58(record.signatureB), at: record.at }
}

export function readPairings(map: Y.Map<unknown>): PairingRecord[] {
  const records: PairingRecord[] = []
  for (const [key, value] of map) {
    if (records.length >= MAX_PAIRINGS) break
    const record = readPairingRecord(key, value)
    if (record) records.push(record)
  }
  return records
}

/** This device's pairings in its device doc. */
export function devicePairings(deviceDoc: Y.Doc): PairingRecord[] {
  return readPairings(deviceDoc.getMap(PAIRINGS))
}

export function putPairing(map: Y.Map<unknown>, record: PairingRecord): void {
  const key = pairingKey(record)
  if (!map.has(key)) map.set(key, storedPairing(record))
}

/** For `device`: each partner it was paired with, and the partner's signature of that pairing. */
export function partnersOf(records: readonly PairingRecord[], device: Uint8Array): Array<{ readonly partner: Uint8Array; readonly proof: Uint8Array }> {
  const hex = toHexString(device)
  const partners: Array<{ readonly partner: Uint8Array; readonly proof: Uint8Array }> = []
  for (const record of records) {
    if (toHexString(record.a) === hex) partners.push({ partner: record.b, proof: record.signatureB })
    else if (toHexString(record.b) === hex) partners.push({ partner: record.a, proof: record.signatureA })
  }
  return partners
}
