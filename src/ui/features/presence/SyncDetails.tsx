import { didFromPublicKey } from '../../../core/identity/didKey.ts'
import type { Equivocation } from '../../../core/space/EnvelopeLog.ts'
import type { EnvelopeRejection } from '../../../core/space/envelopeRejection.ts'
import type { SpaceSyncView } from '../../hooks/useSpaceSync.ts'
import { shortDevice } from '../../components/deviceLabel.ts'

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
  undecryptable: 'content that does not open with the space’s key',
  'lane-stopped': 'following a refused change',
  'too-many-waiting': 'waiting for changes that never came',
  'lane-void': 'from a session that signed two histories',
  'not-permitted': 'from someone whose role does not allow it',
}

/** Diagnostics: changes refused from peers, and a signing problem, if any. Collapsed unless something is wrong. */
export function SyncDetails({ view }: { readonly view: SpaceSyncView }) {
  const refused = view.rejections.reduce((sum, [, count]) => sum + count, 0)
  if (refused === 0 && !view.problem && view.equivocations.length === 0) return null
  return (
    <details className="sync-details" open={Boolean(view.problem) || view.equivocations.length > 0}>
      <summary>
        {refused > 0 ? `${refused} change${refused === 1 ? '' : 's'} from peers refused` : 'Sync problem'}
      </summary>
      {view.problem && <p role="alert">{view.problem}</p>}
      {view.equivocations.map((equivocation) => (
        <EquivocationNotice key={equivocation.lane} equivocation={equivocation} />
      ))}
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

/** A session that signed two versions of its changes: whose, and what that means for what everyone sees. */
function EquivocationNotice({ equivocation }: { readonly equivocation: Equivocation }) {
  const device = didFromPublicKey(equivocation.proof[0].author)
  return (
    <p role="alert" className="equivocation">
      <span title={device}>{shortDevice(device)}</span> signed two different versions of its changes in one session. Pii shows none of that session’s changes, here or on any
      other device, so everyone sees the same space. If it is one of your devices, its software is faulty or was tampered with.
    </p>
  )
}
