/**
 * Claims and run records kept in a space's content doc, so they replicate
 * with the space (through its signed log). Each peer writes only its own
 * claim keys (`<occurrence>\n<peer>`), so concurrent claims never overwrite
 * each other; a run record is written once, by the peer that ran it.
 * Entries that fail their checks (isClaim, isRunRecord, or a key that does
 * not match its value) are ignored, as a peer's junk must be.
 */
import type * as Y from 'yjs'
import { isClaim, isRunRecord, type Claim, type RunRecord } from './claims.ts'
import type { OccurrenceId } from './occurrences.ts'

export const CLAIMS = 'claims'
export const RUNS = 'runs'

const claimKey = (occurrence: string, peer: string): string => `${occurrence}\n${peer}`

/** What a runner reads and writes; see YjsRunTable. */
export interface RunTable {
  claims(occurrence: OccurrenceId): readonly Claim[]
  run(occurrence: OccurrenceId): RunRecord | undefined
  putClaim(claim: Claim): void
  putRun(record: RunRecord): void
}

export class YjsRunTable implements RunTable {
  private readonly claimMap: Y.Map<unknown>
  private readonly runMap: Y.Map<unknown>
  /** Valid claims by occurrence, kept in step with the map, so a lookup never scans it. */
  private readonly byOccurrence = new Map<string, Map<string, Claim>>()

  constructor(doc: Y.Doc) {
    this.claimMap = doc.getMap(CLAIMS)
    this.runMap = doc.getMap(RUNS)
    for (const key of this.claimMap.keys()) this.index(key)
    this.claimMap.observe((event) => {
      for (const key of event.keysChanged as Set<string>) this.index(key)
    })
  }

  claims(occurrence: OccurrenceId): readonly Claim[] {
    return [...(this.byOccurrence.get(occurrence)?.values() ?? [])]
  }

  run(occurrence: OccurrenceId): RunRecord | undefined {
    const value = this.runMap.get(occurrence)
    return isRunRecord(value) && value.occurrence === occurrence ? value : undefined
  }

  putClaim(claim: Claim): void {
    this.claimMap.set(claimKey(claim.occurrence, claim.peer), claim)
  }

  putRun(record: RunRecord): void {
    // The first record stands: a late duplicate run (after a partition) must not rewrite what happened.
    if (!this.run(record.occurrence)) this.runMap.set(record.occurrence, record)
  }

  private index(key: string): void {
    const value = this.claimMap.get(key)
    const separator = key.lastIndexOf('\n')
    const occurrence = key.slice(0, separator)
    const peer = key.slice(separator + 1)
    const claims = this.byOccurrence.get(occurrence) ?? new Map<string, Claim>()
    if (isClaim(value) && value.occurrence === occurrence && value.peer === peer) claims.set(peer, value)
    else claims.delete(peer)
    if (claims.size > 0) this.byOccurrence.set(occurrence, claims)
    else this.byOccurrence.delete(occurrence)
  }
}
