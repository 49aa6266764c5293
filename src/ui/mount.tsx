/**
 * Renders the app. A module of its own so main.tsx can load React and the UI
 * in parallel with reading the device's data from IndexedDB.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { ServicesContext, type AppServices } from './services.ts'

export function mountApp(container: HTMLElement, services: AppServices): void {
  createRoot(container).render(
    <StrictMode>
      <ServicesContext.Provider value={services}>
        <App />
      </ServicesContext.Provider>
    </StrictMode>,
  )
}
