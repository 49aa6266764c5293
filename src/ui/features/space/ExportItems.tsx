import type { SpaceSession } from '../../../core/space/SpaceLibrary.ts'
import { saveFile } from '../../components/saveFile.ts'

type Format = 'md' | 'csv'

/**
 * Downloads the space's items as Markdown or CSV. Read-only roles may
 * export too: it copies out what the device already shows. The writer
 * loads on the first click, not with the page.
 */
export function ExportItems({ session, name }: { readonly session: SpaceSession; readonly name: string }) {
  const download = async (format: Format): Promise<void> => {
    const { exportedItems, exportFileName, itemsToCsv, itemsToMarkdown } = await import('../../../core/space/itemsExport.ts')
    const items = exportedItems(session.doc)
    const [text, type] = format === 'md' ? [itemsToMarkdown(name, items), 'text/markdown'] : [itemsToCsv(items), 'text/csv']
    saveFile(new Blob([text], { type: `${type};charset=utf-8` }), exportFileName(name, format))
  }
  return (
    <div className="export-items" role="group" aria-label="Export the items">
      <span className="muted small">Export the items:</span>
      <button type="button" className="quiet" onClick={() => void download('md')}>
        Markdown
      </button>
      <button type="button" className="quiet" onClick={() => void download('csv')}>
        CSV
      </button>
    </div>
  )
}
