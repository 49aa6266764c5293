import { ChangeAnnouncement } from '../../components/ChangeAnnouncement.tsx'
import { useUi } from '../../hooks/useUi.ts'
import { useServices } from '../../services.ts'

/** Everything that needs the user's attention, above the page. */
export function Notices() {
  const { applyUpdate } = useServices()
  const updateReady = useUi((state) => state.updateReady)
  const storageUnavailable = useUi((state) => state.storageUnavailable)
  const saveProblems = useUi((state) => state.saveProblems)
  return (
    <div className="notices">
      {updateReady && (
        <div className="notice" role="status">
          <span>A new version is ready.</span>
          <button type="button" onClick={applyUpdate}>
            Reload
          </button>
        </div>
      )}
      {storageUnavailable !== undefined && (
        <div className="notice warning" role="alert">
          This browser is not letting Pii save anything ({storageUnavailable}). You can keep working, but everything will be gone when this
          tab closes. Allow site data for this address, or leave private browsing, to keep your spaces.
        </div>
      )}
      {saveProblems.slice(0, 1).map((problem) => (
        <div className="notice warning" role="alert" key={problem.docName}>
          {problem.message}
        </div>
      ))}
      {/* The failure is an alert; its end is said too, so whoever heard the alert hears that nothing is at risk any more. */}
      <ChangeAnnouncement state={saveProblems.length > 0} words={savingWords} testId="save-status" />
    </div>
  )
}

const savingWords = (failing: boolean): string => (failing ? '' : 'Saving works again: everything you typed is saved on this device.')
