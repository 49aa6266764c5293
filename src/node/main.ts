/** `npm run node`: the personal node's process (see nodeCli.ts for its commands). */
import { runNodeCli } from './nodeCli.ts'

const stopSignal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'))
  process.once('SIGINT', () => resolve('SIGINT'))
})

void runNodeCli(process.argv.slice(2), process.env, { out: (text) => console.log(text), err: (text) => console.error(text) }, stopSignal).then((code) => process.exit(code))
