import { lazy, Suspense } from 'react'
import { DevicePanel } from './features/device/DevicePanel.tsx'
import { SpaceList } from './features/spaces/SpaceList.tsx'
import { SpaceView } from './features/space/SpaceView.tsx'
import { Notices } from './features/status/Notices.tsx'
import { StorageMeter } from './features/status/StorageMeter.tsx'
import { useUi } from './hooks/useUi.ts'
import { hrefFor, type Route } from './route.ts'

// Loaded on first visit: the agenda expands rules (rrule), which the home page must not pay for.
const AgendaPage = lazy(() => import('./features/agenda/AgendaPage.tsx').then((module) => ({ default: module.AgendaPage })))
const InboxPage = lazy(() => import('./features/inbox/InboxPage.tsx').then((module) => ({ default: module.InboxPage })))
// Below the spaces on the home page, with Web Push's records: the spaces show first, then this.
const DevicesPanel = lazy(() => import('./features/device/DevicesPanel.tsx').then((module) => ({ default: module.DevicesPanel })))
// Opened from a link: a share link's join screen, a pairing link's (with pairing's code), neither on most visits.
const JoinSpace = lazy(() => import('./features/join/JoinSpace.tsx').then((module) => ({ default: module.JoinSpace })))
const PairThisDevice = lazy(() => import('./features/device/PairThisDevice.tsx').then((module) => ({ default: module.PairThisDevice })))

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
            <Suspense fallback={null}>
              <DevicesPanel />
            </Suspense>
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
        {route.page === 'join' && (
          <Suspense fallback={null}>
            <JoinSpace key={route.id} id={route.id} secret={route.secret} invite={route.invite} />
          </Suspense>
        )}
        {route.page === 'pair' && (
          <Suspense fallback={null}>
            <PairThisDevice key={route.secret} secret={route.secret} />
          </Suspense>
        )}
        {route.page === 'bad-link' && (
          <section className="panel" role="alert">
            <h1>This share link does not work</h1>
            <p>{route.message}</p>
            <a href="#/">Go to your spaces</a>
          </section>
        )}
        {route.page === 'not-found' && (
          <section className="panel">
            <h1>Nothing at this address</h1>
            <p>“{route.hash}” is not a page in Pii.</p>
            <a href="#/">Go to your spaces</a>
          </section>
        )}
      </main>
    </div>
  )
}
