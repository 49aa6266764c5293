/** `npm start`: the built app, the relay and the personal node, on one port, with embedded defaults. */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from './serve.ts'

// Built to dist/server/start.js; the app is built beside it in dist/app.
const appRoot = process.env.PII_APP_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'app')

void serve('Pii', { host: '127.0.0.1', port: 8080 }, { appRoot, withNode: true })
