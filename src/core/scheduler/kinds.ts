/**
 * Kinds: what an operation does when it runs (SPEC K1–K2). A registry maps
 * a kind's name to where it can run and how; peers advertise the kinds
 * their host can run, and only those peers are ranked for its occurrences
 * (CL1). Every side effect carries the occurrence id as its idempotency key
 * (G3): `context.idempotencyKey`.
 */
import type * as Y from 'yjs'
import type { FieldProblem } from './InvalidFields.ts'
import type { Occurrence } from './occurrences.ts'
import type { Operation } from './operations.ts'

/** What a peer is, which decides the kinds it can run. */
export const HostKind = { page: 'page', serviceWorker: 'service-worker', node: 'node' } as const
export type HostKind = (typeof HostKind)[keyof typeof HostKind]

export interface KindContext {
  readonly operation: Operation
  readonly occurrence: Occurrence
  /** The occurrence id: every side effect carries it, so a repeat is recognised (G3). */
  readonly idempotencyKey: string
  /** The space's content doc. */
  readonly doc: Y.Doc
  /** This peer's id, for records of who did what. */
  readonly peer: string
  readonly now: () => number
  /** Aborted when the run's timeout passes (CL5a): a kind stops its work, and its result no longer counts. */
  readonly signal: AbortSignal
}

/**
 * How a kind's failed runs are tried again (SPEC K5): the same peer, holding
 * its claim, tries `maxAttempts` times in all, waiting `firstDelayMs`, then
 * `growth` times longer each time, at most `maxDelayMs`; only a failure
 * `retryable` says may pass (a request the server refused will be refused
 * again).
 */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly firstDelayMs: number
  readonly growth: number
  readonly maxDelayMs: number
  readonly retryable: (error: unknown) => boolean
}

/** The wait before attempt `attempt` + 1 (1 for the first retry), by a policy. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, Math.round(policy.firstDelayMs * policy.growth ** (attempt - 1)))
}

export interface Kind {
  readonly name: string
  /** The hosts that can run it (K2). */
  readonly runsOn: readonly HostKind[]
  /** Problems with an operation's `input` for this kind, each naming its field (`input.<name>`). */
  checkInput(input: unknown): FieldProblem[]
  /**
   * Performs one occurrence; resolves with a short note for its run record
   * (an HTTP status, a file name) or nothing, and rejects with an error a
   * person can read when it fails.
   */
  execute(input: unknown, context: KindContext): Promise<string | void>
  /** How its failures are tried again; absent: a failure is final. */
  readonly retry?: RetryPolicy
  /** The most of its runs a host has in progress at once (SCH5); DEFAULT_MAX_CONCURRENT_RUNS when absent. */
  readonly maxConcurrent?: number
}

/** A kind's runs in progress at once on a host, unless it says otherwise: more would only queue in the browser's or the OS's own limits. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 16

/**
 * The error a run fails with when its input does not pass its kind's check
 * (K2): an operation written by a peer never went through the check a local
 * save does, so each kind checks again when it runs.
 */
export function inputError(problems: readonly FieldProblem[]): Error | undefined {
  return problems.length > 0 ? new Error(problems.map((problem) => problem.message).join(' ')) : undefined
}

export class KindRegistry {
  private readonly kinds = new Map<string, Kind>()

  constructor(kinds: readonly Kind[]) {
    for (const kind of kinds) {
      if (this.kinds.has(kind.name)) throw new Error(`Two kinds are called "${kind.name}".`)
      this.kinds.set(kind.name, kind)
    }
  }

  get(name: string): Kind | undefined {
    return this.kinds.get(name)
  }

  /** Every registered kind's name: what an operation may ask for. */
  names(): ReadonlySet<string> {
    return new Set(this.kinds.keys())
  }

  /** The kinds a host can run, which its peer advertises in presence (CL1). */
  runnableOn(host: HostKind): string[] {
    return [...this.kinds.values()].filter((kind) => kind.runsOn.includes(host)).map((kind) => kind.name)
  }

  /** An operation's input problems for its kind (none for an unknown kind: validateOperation reports that). */
  checkInput(kind: string, input: unknown): FieldProblem[] {
    return this.kinds.get(kind)?.checkInput(input) ?? []
  }
}
