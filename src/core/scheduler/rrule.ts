/**
 * rrule's RRule class, wherever this code runs. The package ships ES modules
 * for bundlers (the page, the service worker) and a UMD bundle for Node (the
 * personal node, tests run by Node), whose named exports Node's ES module
 * loader cannot see: there it is the default export's property.
 */
import * as rruleModule from 'rrule'

type RRuleClass = typeof rruleModule.RRule

const loaded = rruleModule as unknown as Record<string, unknown>
const fromDefault = (loaded['default'] as { RRule?: RRuleClass } | undefined)?.RRule

export const RRule: RRuleClass = (loaded['RRule'] as RRuleClass | undefined) ?? fromDefault ?? missing()
export type RRule = InstanceType<RRuleClass>
export type { Options as RRuleOptions } from 'rrule'

function missing(): never {
  throw new Error('The rrule package did not load: reinstall dependencies (npm install).')
}
