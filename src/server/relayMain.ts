/** `npm run relay`: the relay alone (signaling, message relay, health, metrics). */
import { serve } from './serve.ts'

void serve('Pii relay', { host: '127.0.0.1', port: 4444 })
