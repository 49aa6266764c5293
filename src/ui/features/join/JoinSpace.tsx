import { useEffect } from 'react'
import type { SpaceId } from '../../../core/space/ids.ts'
import type { ShareSecret } from '../../../core/space/shareLink.ts'
import { hrefFor } from '../../route.ts'
import { useServices } from '../../services.ts'
import { uiStore } from '../../store.ts'

/**
 * Opening a share link adds the space to this device, then shows it. The
 * address is replaced by the plain space address, so the secret does not
 * stay in the address bar or the history for someone to copy later.
 */
export function JoinSpace({ id, secret }: { readonly id: SpaceId; readonly secret: ShareSecret }) {
  const { library } = useServices()
  useEffect(() => {
    // The space view opens it; opening it here too would open, close and reopen it.
    library.addShared(id, secret)
    const route = { page: 'space', id } as const
    history.replaceState(null, '', hrefFor(route))
    uiStore.setState({ route })
  }, [library, id, secret])
  return <p className="muted">Joining the shared space…</p>
}
