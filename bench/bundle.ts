/**
 * Bundle benchmark: how many gzip bytes does the FIRST ROUTE cost, and which
 * dependencies pay for them?
 *
 * Builds the client with the repo's own vite.config.ts (plus a recorder plugin)
 * into a throwaway outDir, reads the built index.html to find what the browser
 * fetches before the app can run (entry script, modulepreloads, stylesheets and
 * the static-import closure of those chunks), then gzips exactly those files.
 * Dynamic imports, the service worker and the web manifest are not counted: they
 * do not block the first render.
 *
 * Run: node --import tsx bench/bundle.ts   (or npm run bench:bundle)
 * Units: 1 KB = 1000 bytes. Gzip: Node zlib.gzipSync at level 9.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Plugin, type Rolldown } from 'vite'
import { textTable } from './harness.ts'

const REPO_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
/** Per-process so two concurrent runs (or a served dist/app) never clobber each other. */
const OUT_DIR = path.join(REPO_ROOT, 'dist', `bench-bundle-${process.pid}`)
const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'bundle.json')
const BUDGET_KB = 170
const BYTES_PER_KB = 1000
const GZIP_LEVEL = 9
const APP_GROUP = 'app code (src/)'
const OTHER_GROUP = 'other'

/** What the recorder keeps from each JS chunk; the bundle objects themselves are not kept alive. */
interface ChunkRecord {
  fileName: string
  /** Static imports only: dynamic ones load after the first route. */
  imports: string[]
  modules: { id: string; renderedLength: number }[]
}

interface BuildRecord {
  chunks: Map<string, ChunkRecord>
  base: string
}

interface RouteFile {
  fileName: string
  kind: 'js' | 'css'
  rawBytes: number
  gzipBytes: number
}

interface DependencyGroup {
  name: string
  modules: number
  /** Sum of Rolldown's renderedLength: tree-shaken code BEFORE minification (minify runs later). */
  renderedBytes: number
  gzipEstimate: number
  /** Largest modules first, so the JSON shows what inside a package is actually used. */
  members: { id: string; renderedBytes: number }[]
}

interface HtmlTag {
  name: string
  attrs: Map<string, string>
}

// ---------------------------------------------------------------- build

/** Captures per-module rendered sizes, which are only visible inside the build. */
function chunkRecorder(record: BuildRecord): Plugin {
  return {
    name: 'bench:chunk-recorder',
    apply: 'build',
    // Post, so every other plugin has shaped the chunk graph before we read it.
    enforce: 'post',
    configResolved(config) {
      record.base = config.base
    },
    generateBundle(_options, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type === 'chunk') record.chunks.set(output.fileName, toChunkRecord(output))
      }
    },
  }
}

function toChunkRecord(chunk: Rolldown.OutputChunk): ChunkRecord {
  const modules = Object.entries(chunk.modules).map(([id, info]) => ({ id, renderedLength: info.renderedLength }))
  return { fileName: chunk.fileName, imports: [...chunk.imports], modules }
}

async function buildApp(): Promise<BuildRecord> {
  const record: BuildRecord = { chunks: new Map(), base: '/' }
  // Inline config is merged over the function config file: the client branch is
  // used as-is, only the output folder moves so dist/app stays untouched.
  await build({
    root: REPO_ROOT,
    configFile: path.join(REPO_ROOT, 'vite.config.ts'),
    mode: 'production',
    logLevel: 'warn',
    plugins: [chunkRecorder(record)],
    build: { outDir: OUT_DIR, emptyOutDir: true },
  })
  if (record.chunks.size === 0) throw new Error('recorder saw no JS chunks: did the build run the client config?')
  return record
}

// ---------------------------------------------------------------- first route

/** A tolerant tag scanner: Vite writes simple, well-formed tags, so a full HTML parser is not needed. */
function scanTags(html: string, names: readonly string[]): HtmlTag[] {
  const tags: HtmlTag[] = []
  const tagPattern = new RegExp(`<(${names.join('|')})\\b([^>]*)>`, 'gi')
  const attrPattern = /([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g
  for (const [, name = '', attrText = ''] of html.matchAll(tagPattern)) {
    const attrs = new Map<string, string>()
    for (const [, key = '', dq, sq, bare] of attrText.matchAll(attrPattern)) {
      attrs.set(key.toLowerCase(), dq ?? sq ?? bare ?? '')
    }
    tags.push({ name: name.toLowerCase(), attrs })
  }
  return tags
}

/** Turns a URL from index.html into a file name relative to outDir, or null if it is off-site. */
function urlToFileName(url: string, base: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(url)) return null
  const clean = url.split(/[?#]/)[0] ?? ''
  const withoutBase = base !== '' && base !== './' && clean.startsWith(base) ? clean.slice(base.length) : clean
  return withoutBase.replace(/^\.?\//, '')
}

interface HtmlEntries {
  scripts: string[]
  styles: string[]
}

/** The files index.html makes the browser fetch up front (manifest and icons are not JS/CSS). */
function entriesFromHtml(html: string, base: string): HtmlEntries {
  const scripts: string[] = []
  const styles: string[] = []
  for (const tag of scanTags(html, ['script', 'link'])) {
    const rel = (tag.attrs.get('rel') ?? '').toLowerCase().split(/\s+/)
    const src = tag.name === 'script' && tag.attrs.get('type') === 'module' ? tag.attrs.get('src') : undefined
    const href = tag.name === 'link' ? tag.attrs.get('href') : undefined
    const target = src ?? href
    const fileName = target === undefined ? null : urlToFileName(target, base)
    if (fileName === null) continue
    if (src !== undefined || rel.includes('modulepreload')) scripts.push(fileName)
    else if (rel.includes('stylesheet')) styles.push(fileName)
  }
  return { scripts, styles }
}

/** Static-import closure: everything the entry needs before any of its code runs. */
function staticClosure(roots: readonly string[], chunks: ReadonlyMap<string, ChunkRecord>): string[] {
  const seen = new Set<string>()
  const queue = [...roots]
  for (let fileName = queue.shift(); fileName !== undefined; fileName = queue.shift()) {
    if (seen.has(fileName)) continue
    const chunk = chunks.get(fileName)
    if (chunk === undefined) throw new Error(`first route references ${fileName}, which is not a chunk of this build`)
    seen.add(fileName)
    queue.push(...chunk.imports)
  }
  return [...seen]
}

// ---------------------------------------------------------------- measuring

async function measureFile(fileName: string, kind: RouteFile['kind']): Promise<RouteFile> {
  // Sizes come from disk, not generateBundle: later plugins still rewrite code after our hook.
  const bytes = await readFile(path.join(OUT_DIR, fileName))
  return { fileName, kind, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: GZIP_LEVEL }).length }
}

/** npm package for a module id, "app code (src/)" for ours, "other" for Vite helpers and virtual modules. */
function groupOf(moduleId: string): string {
  if (moduleId.startsWith('\0')) return OTHER_GROUP
  const id = (moduleId.split('?')[0] ?? '').replaceAll('\\', '/')
  const marker = '/node_modules/'
  const at = id.lastIndexOf(marker)
  if (at >= 0) {
    const [first = '', second = ''] = id.slice(at + marker.length).split('/')
    return first.startsWith('@') ? `${first}/${second}` : first
  }
  const relative = path.relative(REPO_ROOT, id).replaceAll('\\', '/')
  return relative.startsWith('src/') ? APP_GROUP : OTHER_GROUP
}

/** Repo-relative ids keep the JSON readable and machine-independent; virtual ids lose their NUL. */
function displayId(moduleId: string): string {
  if (moduleId.startsWith('\0')) return moduleId.slice(1)
  return path.isAbsolute(moduleId) ? path.relative(REPO_ROOT, moduleId).replaceAll('\\', '/') : moduleId
}

/**
 * Splits each chunk's gzip size across its modules in proportion to rendered
 * length. Gzip does not compress modules independently, and renderedLength is
 * measured before minification (which shrinks modules unevenly), so this is an
 * estimate; but the shares sum exactly to the chunk's gzip size.
 */
function dependencyGroups(jsFiles: readonly RouteFile[], chunks: ReadonlyMap<string, ChunkRecord>): DependencyGroup[] {
  const groups = new Map<string, DependencyGroup>()
  for (const file of jsFiles) {
    const modules = chunks.get(file.fileName)?.modules ?? []
    const chunkRendered = modules.reduce((sum, m) => sum + m.renderedLength, 0)
    const gzipPerByte = chunkRendered > 0 ? file.gzipBytes / chunkRendered : 0
    for (const { id, renderedLength } of modules) {
      if (renderedLength === 0) continue // tree-shaken away entirely
      const name = groupOf(id)
      const group = groups.get(name) ?? { name, modules: 0, renderedBytes: 0, gzipEstimate: 0, members: [] }
      group.modules += 1
      group.renderedBytes += renderedLength
      group.gzipEstimate += renderedLength * gzipPerByte
      group.members.push({ id: displayId(id), renderedBytes: renderedLength })
      groups.set(name, group)
    }
  }
  for (const group of groups.values()) group.members.sort((a, b) => b.renderedBytes - a.renderedBytes)
  return [...groups.values()].sort((a, b) => b.gzipEstimate - a.gzipEstimate || b.renderedBytes - a.renderedBytes)
}

// ---------------------------------------------------------------- reporting

const kb = (bytes: number): string => (bytes / BYTES_PER_KB).toFixed(1)
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0)
const TABLE_STYLE = { labelColumns: 1, rule: true }

interface Report {
  files: RouteFile[]
  groups: DependencyGroup[]
  jsGzip: number
  cssGzip: number
  totalGzip: number
  appGzip: number
  depsGzip: number
  otherGzip: number
  ratio: number
  met: boolean
}

function makeReport(files: RouteFile[], groups: DependencyGroup[]): Report {
  const jsGzip = sum(files.filter((f) => f.kind === 'js').map((f) => f.gzipBytes))
  const cssGzip = sum(files.filter((f) => f.kind === 'css').map((f) => f.gzipBytes))
  const totalGzip = jsGzip + cssGzip
  const appGzip = sum(groups.filter((g) => g.name === APP_GROUP).map((g) => g.gzipEstimate))
  const otherGzip = sum(groups.filter((g) => g.name === OTHER_GROUP).map((g) => g.gzipEstimate))
  const depsGzip = sum(groups.map((g) => g.gzipEstimate)) - appGzip - otherGzip
  const ratio = totalGzip / (BUDGET_KB * BYTES_PER_KB)
  return { files, groups, jsGzip, cssGzip, totalGzip, appGzip, depsGzip, otherGzip, ratio, met: ratio <= 1 }
}

function printReport(report: Report): void {
  const { files, groups, jsGzip, totalGzip } = report
  const pct = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-')
  console.log(`\nFirst route files (gzip level ${GZIP_LEVEL}, 1 KB = ${BYTES_PER_KB} B)\n`)
  console.log(
    textTable(
      ['file', 'kind', 'raw KB', 'gzip KB'],
      [
        ...files.map((f) => [f.fileName, f.kind, kb(f.rawBytes), kb(f.gzipBytes)]),
        ['total', '', kb(sum(files.map((f) => f.rawBytes))), kb(totalGzip)],
      ],
      TABLE_STYLE,
    ),
  )
  console.log('\nJS by dependency (rendered = tree-shaken, pre-minify bytes; gzip = chunk gzip split by rendered share)\n')
  console.log(
    textTable(
      ['group', 'modules', 'rendered KB', 'est. gzip KB', '% of JS gzip'],
      groups.map((g) => [g.name, String(g.modules), kb(g.renderedBytes), kb(g.gzipEstimate), pct(g.gzipEstimate, jsGzip)]),
      TABLE_STYLE,
    ),
  )
  console.log(
    `\nApp code vs dependencies (JS gzip): app ${kb(report.appGzip)} KB (${pct(report.appGzip, jsGzip)}), ` +
      `npm dependencies ${kb(report.depsGzip)} KB (${pct(report.depsGzip, jsGzip)}), ` +
      `other ${kb(report.otherGzip)} KB; CSS ${kb(report.cssGzip)} KB on top.`,
  )
  console.log(
    `Budget: ${kb(totalGzip)} KB of ${BUDGET_KB} KB gzip = ${report.ratio.toFixed(2)} -> ` +
      `${report.met ? 'met' : `missed by ${kb(totalGzip - BUDGET_KB * BYTES_PER_KB)} KB`}\n`,
  )
}

async function writeJson(report: Report): Promise<void> {
  const round = (n: number): number => Math.round(n)
  const json = {
    generatedAt: new Date().toISOString(),
    units: {
      kb: `${BYTES_PER_KB} bytes`,
      gzip: `node zlib.gzipSync level ${GZIP_LEVEL}`,
      renderedBytes: 'Rolldown renderedLength: tree-shaken module code before minification',
      gzipEstimate: 'chunk gzip bytes x module renderedLength / chunk renderedLength, summed per group',
    },
    budget: { firstRouteGzipBytes: BUDGET_KB * BYTES_PER_KB, ratio: Number(report.ratio.toFixed(4)), target: report.met ? 'met' : 'missed' },
    totals: { gzipBytes: report.totalGzip, jsGzipBytes: report.jsGzip, cssGzipBytes: report.cssGzip },
    appVsDependencies: {
      appGzipBytes: round(report.appGzip),
      dependenciesGzipBytes: round(report.depsGzip),
      otherGzipBytes: round(report.otherGzip),
    },
    files: report.files,
    dependencies: report.groups.map((g) => ({ ...g, gzipEstimate: round(g.gzipEstimate) })),
  }
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true })
  await writeFile(RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`)
  console.log(`Wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}`)
}

function resultLine(report: Report): string {
  return (
    `RESULT bundle first_route_gzip_kb=${kb(report.totalGzip)} budget_kb=${BUDGET_KB} ` +
    `ratio=${report.ratio.toFixed(2)} js_gzip_kb=${kb(report.jsGzip)} css_gzip_kb=${kb(report.cssGzip)} ` +
    `target=${report.met ? 'met' : 'missed'}`
  )
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const record = await buildApp()
  const html = await readFile(path.join(OUT_DIR, 'index.html'), 'utf8')
  const entries = entriesFromHtml(html, record.base)
  if (entries.scripts.length === 0) throw new Error('index.html has no module script: nothing to measure')
  const jsNames = staticClosure(entries.scripts, record.chunks)
  const cssNames = [...new Set(entries.styles)]
  const files = [
    ...(await Promise.all(jsNames.map((name) => measureFile(name, 'js')))),
    ...(await Promise.all(cssNames.map((name) => measureFile(name, 'css')))),
  ]
  const report = makeReport(files, dependencyGroups(files.filter((f) => f.kind === 'js'), record.chunks))
  printReport(report)
  await writeJson(report)
  // Last line is machine-read: keep it last and keep its shape.
  console.log(resultLine(report))
}

try {
  await main()
} catch (error) {
  console.error('bench:bundle failed:', error instanceof Error ? (error.stack ?? error.message) : error)
  process.exitCode = 1
} finally {
  if (existsSync(OUT_DIR)) await rm(OUT_DIR, { recursive: true, force: true })
}
