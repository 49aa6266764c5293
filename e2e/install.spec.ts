import { expect, test } from './fixtures.ts'

interface ManifestIcon {
  src: string
  sizes: string
  type: string
  purpose?: string
}

test('the web manifest makes Pii installable', async ({ page, request }) => {
  await page.goto('/')
  const href = await page.locator('link[rel="manifest"]').getAttribute('href')
  expect(href).toBeTruthy()
  const manifest = (await (await request.get(href ?? '')).json()) as Record<string, unknown>
  expect(manifest).toMatchObject({ name: expect.any(String), short_name: 'Pii', start_url: '/', display: 'standalone' })
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
  expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i)

  const icons = manifest.icons as ManifestIcon[]
  expect(icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
  expect(icons.some((icon) => icon.purpose === 'maskable')).toBe(true)
  for (const icon of icons) {
    const response = await request.get(icon.src)
    expect(response.headers()['content-type']).toBe('image/png')
    // A PNG's width and height sit at bytes 16..23 of its IHDR chunk.
    const png = await response.body()
    const [width, height] = icon.sizes.split('x').map(Number)
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height])
  }
})
