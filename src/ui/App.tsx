import { DevicePanel } from './features/device/DevicePanel.tsx'
import { JoinSpace } from './features/join/JoinSpace.tsx'
import { SpaceList } from './features/spaces/SpaceList.tsx'
import { SpaceView } from './features/space/SpaceView.tsx'
import { Notices } from './features/status/Notices.tsx'
import { StorageMeter } from './features/status/StorageMeter.tsx'
import { useUi } from './hooks/useUi.ts'

export function App() {
  const route = useUi((state) => state.route)
  return (
    <div className="app">
      <header className="app-header">
        <a href="#/" className="brand">
          Pii
        </a>
        <StorageMeter />
      </header>
      <Notices />
      <main className="app-main">
        {route.page === 'home' && (
          <>
            <SpaceList />
            <DevicePanel />
          </>
        )}
        {route.page === 'space' && <SpaceView key={route.id} id={route.id} />}
        {route.page === 'join' && <JoinSpace key={route.id} id={route.id} secret={route.secret} />}
        {route.page === 'bad-link' && (
          <section className="panel" role="alert">
            <h2>This share link does not work</h2>
            <p>{route.message}</p>
            <a href="#/">Go to your spaces</a>
          </section>
        )}
        {route.page === 'not-found' && (
          <section className="panel">
            <h2>Nothing at this address</h2>
            <p>“{route.hash}” is not a page in Pii.</p>
            <a href="#/">Go to your spaces</a>
          </section>
        )}
      </main>
    </div>
  )
}
