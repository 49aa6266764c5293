import { lazy, Suspense } from 'react'
import { DevicePanel } from './features/device/DevicePanel.tsx'
import { DevicesPanel } from './features/device/DevicesPanel.tsx'
import { PairThisDevice } from './features/device/PairThisDevice.tsx'
import { JoinSpace } from './features/join/JoinSpace.tsx'
import { SpaceList } from './features/spaces/SpaceList.tsx'
import { SpaceView } from './features/space/SpaceView.tsx'
import { Notices } from './features/status/Notices.tsx'
import { StorageMeter } from './features/status/StorageMeter.tsx'
import { useUi } from './hooks/useUi.ts'
import { hrefFor, type Route } from './route.ts'

// Loaded on first visit: the agenda expands rules (rrule), which the home page must not pay for.
const AgendaPage = lazy(() => import('./features/agenda/AgendaPage.tsx').then((module) => ({ default: module.AgendaPage })))
const InboxPage = lazy(() => import('./features/inbox/InboxPage.tsx').then((module) => ({ default: module.InboxPage })))

function NavLink({ to, current, label }: { readonly to: Route; readonly current: Route; readonly label: string }) {
  return (
    <a href={hrefFor(to)} aria-current={current.page === to.page ? 'page' : undefined}>
      {label}
    </a>
  )
}

export function App() {
  const route = useUi((state) => state.route)
  return (
    <div className="app">
      <header className="app-header">
        <a href="#/" className="brand">
          Pii
        </a>
        <nav className="app-nav" aria-label="Main">
          <NavLink to={{ page: 'home' }} current={route} label="Spaces" />{' '}
          <NavLink to={{ page: 'agenda' }} current={route} label="Agenda" />{' '}
          <NavLink to={{ page: 'inbox' }} current={route} label="Inbox" />
        </nav>
        <StorageMeter />
      </header>
      <Notices />
      <main className="app-main">
        {route.page === 'home' && (
          <>
            <SpaceList />
            <DevicePanel />
            <DevicesPanel />
          </>
        )}
        {route.page === 'agenda' && (
          <Suspense fallback={<p className="muted">Loading the agenda…</p>}>
            <AgendaPage />
          </Suspense>
        )}
        {route.page === 'inbox' && (
          <Suspense fallback={<p className="muted">Loading the inbox…</p>}>
            <InboxPage />
          </Suspense>
        )}
        {route.page === 'space' && <SpaceView key={route.id} id={route.id} />}
        {route.page === 'join' && <JoinSpace key={route.id} id={route.id} secret={route.secret} invite={route.invite} />}
        {route.page === 'pair' && <PairThisDevice key={route.secret} secret={route.secret} />}
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
