import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { afterNextPaint } from '../../src/platform/afterPaint.ts'

/** A page as afterNextPaint sees it: visibility, its events, and animation frames the test runs by hand. */
class FakePage {
  visibilityState: 'visible' | 'hidden' = 'visible'
  readonly document = new EventTarget()
  readonly window = new EventTarget()
  readonly frames: Array<() => void> = []

  install(): void {
    vi.stubGlobal(
      'document',
      Object.defineProperties(this.document, {
        hidden: { get: () => this.visibilityState === 'hidden' },
        visibilityState: { get: () => this.visibilityState },
      }),
    )
    vi.stubGlobal('window', this.window)
    vi.stubGlobal('requestAnimationFrame', (frame: () => void) => this.frames.push(frame))
  }

  hide(): void {
    this.visibilityState = 'hidden'
    this.document.dispatchEvent(new Event('visibilitychange'))
  }
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('afterNextPaint', () => {
  let page: FakePage
  beforeEach(() => {
    page = new FakePage()
    page.install()
  })
  afterEach(() => vi.unstubAllGlobals())

  it('runs in a task after the next frame, not before it', async () => {
    const ran = vi.fn()
    afterNextPaint(ran)
    await nextTask()
    expect(ran).not.toHaveBeenCalled()
    for (const frame of page.frames.splice(0)) frame()
    expect(ran).not.toHaveBeenCalled()
    await nextTask()
    expect(ran).toHaveBeenCalledOnce()
  })

  it('runs at once, inside the event, when the page is hidden or goes away: a tab closed right after a key press still seals it', () => {
    const onHide = vi.fn()
    afterNextPaint(onHide)
    page.hide()
    expect(onHide).toHaveBeenCalledOnce()

    page.visibilityState = 'visible'
    const onPageHide = vi.fn()
    afterNextPaint(onPageHide)
    page.window.dispatchEvent(new Event('pagehide'))
    expect(onPageHide).toHaveBeenCalledOnce()
  })

  it('runs once however many of frame, hiding and the fallback come', async () => {
    const ran = vi.fn()
    afterNextPaint(ran)
    page.hide()
    for (const frame of page.frames.splice(0)) frame()
    page.window.dispatchEvent(new Event('pagehide'))
    await nextTask()
    expect(ran).toHaveBeenCalledOnce()
  })

  it('in a page already hidden (no frames come), runs after this task', async () => {
    page.visibilityState = 'hidden'
    const ran = vi.fn()
    afterNextPaint(ran)
    expect(ran).not.toHaveBeenCalled()
    await nextTask()
    expect(ran).toHaveBeenCalledOnce()
  })
})
