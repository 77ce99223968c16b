import { test, expect, BrowserContext, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { adminState, discoverPages, open, ROUTES } from './pages';

// axe-core on every page (pages.ts finds them from the router's routes) in
// both languages: no serious or critical violation. Video, images and
// streams are not waited for; axe reads the DOM as the server sent it plus
// what the pages' scripts drew by DOMContentLoaded.
let urls: Map<string, string>;
let state: string;
test.beforeAll(async ({ browser }) => {
  urls = new Map((await discoverPages(browser)).map((p) => [p.route, p.url]));
  state = await adminState(browser);
});

for (const lang of ['zh-CN', 'en'] as const) {
  test.describe(lang, () => {
    let ctx: BrowserContext;
    let page: Page;
    test.beforeAll(async ({ browser, baseURL }) => {
      ctx = await browser.newContext({ storageState: state, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
      await ctx.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      page = await ctx.newPage();
    });
    test.afterAll(async () => ctx?.close());

    const check = async (p: Page, url: string) => {
      const res = await new AxeBuilder({ page: p }).analyze();
      const bad = res.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      expect(bad, url).toEqual([]);
    };

    test(`/login (${lang})`, async ({ browser, baseURL }) => {
      const anon = await browser.newContext({ locale: lang === 'en' ? 'en-US' : 'zh-CN' });
      await anon.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      const p = await anon.newPage();
      await open(p, '/login');
      await check(p, '/login');
      await anon.close();
    });
    for (const route of ROUTES) {
      test(`${route} (${lang})`, async () => {
        const url = urls.get(route)!;
        await open(page, url);
        await check(page, url);
      });
    }
  });
}
