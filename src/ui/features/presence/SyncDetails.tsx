import type { EnvelopeRejection } from '../../../core/space/EnvelopeLog.ts'
import type { SpaceSyncView } from '../../hooks/useSpaceSync.ts'

/** Every reason the log counts, so a new one cannot go unlabelled. */
const REASONS: Record<EnvelopeRejection, string> = {
  malformed: 'not an envelope',
  'wrong-space': 'for another space',
  'bad-signature': 'forged or tampered',
  'broken-chain': 'out of chain',
  conflict: 'conflicting or replaced',
  'too-far-ahead': 'too far ahead',
  'unreadable-update': 'signed, but unreadable',
  'foreign-client': "writing under another member's changes",
  'lane-stopped': 'following a refused change',
}

/** Diagnostics: changes refused from peers, and a signing problem, if any. Collapsed unless something is wrong. */
export function SyncDetails({ view }: { readonly view: SpaceSyncView }) {
  const refused = view.rejections.reduce((sum, [, count]) => sum + count, 0)
  if (refused === 0 && !view.problem) return null
  return (
    <details className="sync-details" open={Boolean(view.problem)}>
      <summary>
        {refused > 0 ? `${refused} change${refused === 1 ? '' : 's'} from peers refused` : 'Sync problem'}
      </summary>
      {view.problem && <p role="alert">{view.problem}</p>}
      {refused > 0 && (
        <>
          <p className="muted">Pii only shows changes signed by their author that touch only what their author may change. These were not, so nobody sees them.</p>
          <ul aria-label="Refused changes">
            {view.rejections.map(([reason, count]) => (
              <li key={reason}>
                {count} {REASONS[reason]}
              </li>
            ))}
          </ul>
        </>
      )}
    </details>
  )
}
