/**
 * The IANA zone a calendar file's TZID means (SPEC ICS2). Files name zones
 * in several ways: Google and Apple by IANA name (with a VTIMEZONE block of
 * the same name), older Mozilla and Evolution files with a path in front
 * ("/mozilla.org/20050126_1/Europe/Paris"), some with the name in their
 * VTIMEZONE's X-LIC-LOCATION, and Outlook by Windows name ("W. Europe
 * Standard Time"). A VTIMEZONE's own rules are not read: this device's zone
 * data is what places every other time, and a zone named by its rules alone
 * matches many places, each with its own DST history.
 */
import type { Component } from './icalendarReader.ts'
import { isTimeZone } from './zonedTime.ts'

/**
 * Windows zone names as Outlook and Exchange write them, to the IANA zone
 * CLDR's windowsZones.xml gives for their main territory (001). The common
 * ones; a file naming another is refused with its name quoted.
 */
const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Canada Central Standard Time': 'America/Regina',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indianapolis',
  'Atlantic Standard Time': 'America/Halifax',
  'SA Western Standard Time': 'America/La_Paz',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'Greenland Standard Time': 'America/Godthab',
  'Azores Standard Time': 'Atlantic/Azores',
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'GTB Standard Time': 'Europe/Bucharest',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Egypt Standard Time': 'Africa/Cairo',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Arab Standard Time': 'Asia/Riyadh',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Calcutta',
  'Nepal Standard Time': 'Asia/Katmandu',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Myanmar Standard Time': 'Asia/Rangoon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'Tasmania Standard Time': 'Australia/Hobart',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Tonga Standard Time': 'Pacific/Tongatapu',
}

/** The IANA zone a TZID names, given the file's VTIMEZONE blocks; undefined when it cannot be told. */
export function zoneOfTzid(tzid: string, timeZones: readonly Component[]): string | undefined {
  const name = tzid.trim()
  if (name === '') return undefined
  const direct = ianaName(name) ?? WINDOWS_ZONES[name]
  if (direct) return direct
  const block = timeZones.find((component) => component.properties.some((property) => property.name === 'TZID' && property.value.trim() === name))
  const location = block?.properties.find((property) => property.name === 'X-LIC-LOCATION')?.value.trim()
  return location ? ianaName(location) : undefined
}

/** The name itself if the platform knows it, or the part of a path-like name after a slash that it knows ("/mozilla.org/…/Europe/Paris"). */
function ianaName(name: string): string | undefined {
  if (isTimeZone(name) && /^[A-Za-z]/.test(name)) return name
  for (let slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
    const tail = name.slice(slash + 1)
    if (tail.includes('/') && isTimeZone(tail)) return tail
  }
  return undefined
}
