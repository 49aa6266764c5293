/** Why a log refused an envelope: counted, shown in the sync details (SyncDetails), and removed from the transport by honest peers. */
export const EnvelopeRejection = {
  /** Not an envelope at all (truncated, garbage, unknown version). */
  malformed: 'malformed',
  /** An envelope of another space. */
  wrongSpace: 'wrong-space',
  /** No valid signature of its author covers it: forged or tampered. */
  badSignature: 'bad-signature',
  /** Its prev is not the hash of the author's envelope before it. */
  brokenChain: 'broken-chain',
  /** Another envelope than the accepted one at that seq, not signed by its lane: forged or tampered. */
  conflict: 'conflict',
  /** So far past the author's accepted chain that holding it would let anyone fill memory. */
  tooFarAhead: 'too-far-ahead',
  /** Its content does not open under its epoch's key: encrypted under another key, or its ciphertext was altered. */
  undecryptable: 'undecryptable',
  /** Authentic, but its update is not a Yjs update: a member's buggy or hostile client wrote it. */
  unreadableUpdate: 'unreadable-update',
  /** Authentic, but it writes structs under a Yjs clientID its lane does not own (another member's). */
  foreignClient: 'foreign-client',
  /** From a lane that an earlier refusal stopped: it chains to what no peer applies. */
  laneStopped: 'lane-stopped',
  /** Waiting for predecessors while more than a peer holds already wait: someone is inventing lanes or gaps. */
  tooManyWaiting: 'too-many-waiting',
  /** Its author's role does not write content (a viewer, a replica), or they were removed before it (MEMBERSHIP.md M7, M8). */
  notPermitted: 'not-permitted',
  /** From a lane that signed two histories (EQV1): nothing of it is applied. */
  laneVoid: 'lane-void',
} as const
export type EnvelopeRejection = (typeof EnvelopeRejection)[keyof typeof EnvelopeRejection]
