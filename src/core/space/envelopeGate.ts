/**
 * The port through which a space's membership decides whether an authentic
 * envelope may change the content (MEMBERSHIP.md M7–M9): EnvelopeLog asks
 * it for every envelope that extends a lane, and again for what it accepted
 * whenever the membership changes.
 *
 * - apply: its author's role writes content.
 * - withhold: its author is a member whose role does not write (a viewer's
 *   forced edit): refused for now and counted, but kept waiting, since a
 *   promotion on its way may still cover it.
 * - park: its author is not known as a member yet (their accept may still
 *   be on its way): kept waiting, not counted.
 * - refuse: settled for good (a removed person's, or written under a role
 *   that did not write, up to a cut): refused, and its lane stops there.
 */
import type { Envelope } from './envelope.ts'

export type EnvelopeVerdict = 'apply' | 'withhold' | 'park' | 'refuse'

export interface EnvelopeGate {
  verdict(envelope: Envelope): EnvelopeVerdict
  /**
   * Resolves once every membership statement the transport doc holds now is
   * checked: judge after it. Undefined when none is being checked, so a
   * live edit's admission starts in the task that received it.
   */
  settled(): Promise<void> | undefined
  /** Called when the membership changed: what was judged may be judged otherwise now. */
  onChange(listener: () => void): () => void
}

/** A space without membership statements (made before they existed, and not yet migrated by its owner): everyone writes. */
export const OPEN_GATE: EnvelopeGate = {
  verdict: () => 'apply',
  settled: () => undefined,
  onChange: () => () => {},
}
