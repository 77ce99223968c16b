import { test, expect, BrowserContext, Page } from '@playwright/test';
import { adminState, discoverPages, open, ROUTES } from './pages';

// Every page at 375 x 667 (a small phone): the page never scrolls sideways.
// Wide content scrolls inside its own box (.table-wrap, the shop tabs'
// strip), so document.scrollingElement is no wider than the window. On a
// failure the message names the elements that stick out.
let ctx: BrowserContext;
let page: Page;
let urls: Map<string, string>;
test.use({ viewport: { width: 375, height: 667 } });

test.beforeAll(async ({ browser, baseURL }) => {
  urls = new Map((await discoverPages(browser)).map((p) => [p.route, p.url]));
  ctx = await browser.newContext({ storageState: await adminState(browser), locale: 'zh-CN', viewport: { width: 375, height: 667 },
    isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await ctx.addCookies([{ name: 'lang', value: 'zh-CN', url: baseURL! }]);
  page = await ctx.newPage();
});
test.afterAll(async () => ctx?.close());

async function widths(p: Page) {
  return p.evaluate(() => {
    const w = 375; // the phone's width, not innerWidth: a phone widens that to fit a page too wide
    const wide: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= w + 0.5 || r.width === 0) continue;
      // Inside a box that scrolls sideways on its own: not the page's width.
      let scroller = el.parentElement;
      let inside = false;
      for (; scroller && scroller !== document.body; scroller = scroller.parentElement) {
        const o = getComputedStyle(scroller).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { inside = true; break; }
      }
      if (!inside) wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
    }
    return { scroll: document.scrollingElement!.scrollWidth, inner: window.innerWidth, wide: wide.slice(0, 8) };
  });
}

test('the shop tabs scroll inside their own strip', async () => {
  await open(page, urls.get('/shops/:id')!);
  const tabs = page.getByTestId('shop-tabs');
  await expect(tabs).toBeVisible();
  const m = await tabs.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, ox: getComputedStyle(el).overflowX }));
  expect(m.ox).toBe('auto');
  expect(m.sw).toBeGreaterThan(m.cw); // more tabs than fit: the strip scrolls
  await tabs.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
  await expect(tabs.getByRole('link').last()).toBeInViewport();
  expect((await widths(page)).scroll).toBeLessThanOrEqual(375);
});

test('the menu opens on a phone', async () => {
  await open(page, '/');
  await page.locator('.menu summary').click();
  await expect(page.locator('.menu .nav').getByRole('link').first()).toBeVisible();
});

test('the check sees a page that is too wide', async () => {
  await open(page, '/');
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.style.width = '600px';
    d.textContent = 'x';
    document.querySelector('main')!.append(d);
  });
  const m = await widths(page);
  expect(m.scroll).toBeGreaterThan(375);
  expect(m.wide.join()).toContain('div');
});

for (const route of ROUTES) {
  test(`${route} fits 375 px`, async () => {
    const url = urls.get(route)!;
    await open(page, url);
    const m = await widths(page);
    // A phone browser widens its layout viewport to fit a page too wide for
    // it; the window must still be the phone's 375 px.
    expect(m.scroll, `${url} is ${m.scroll}px wide: ${m.wide.join(', ')}`).toBeLessThanOrEqual(375);
    expect(m.inner, url).toBe(375);
  });
}
