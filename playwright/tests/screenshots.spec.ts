import { test, expect } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { adminState, discoverPages, open } from './pages';

// Screenshots for a reviewer who does not run the demo: the home page, a
// shop's traffic report, the event feed and the enrollment form, at desktop
// and phone size, in playwright/screenshots/ (git-ignored). Full pages,
// without waiting on video or the live event stream.
const dir = path.join(__dirname, '..', 'screenshots');
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 667 } };
const shots = [
  { name: 'home', route: '/' },
  { name: 'traffic-report', route: '/shops/:id/traffic' },
  { name: 'event-feed', route: '/events' },
  { name: 'enrollment-form', route: '/shops/:id/faces/enroll' },
];

for (const [size, viewport] of Object.entries(sizes)) {
  test(`screenshots at ${size} size`, async ({ browser, baseURL }) => {
    const urls = new Map((await discoverPages(browser)).map((p) => [p.route, p.url]));
    const ctx = await browser.newContext({ storageState: await adminState(browser), locale: 'zh-CN', viewport,
      isMobile: size === 'phone', hasTouch: size === 'phone' });
    await ctx.addCookies([{ name: 'lang', value: 'zh-CN', url: baseURL! }]);
    const page = await ctx.newPage();
    fs.mkdirSync(dir, { recursive: true });
    for (const s of shots) {
      await open(page, urls.get(s.route)!);
      if (s.name === 'traffic-report') await expect(page.getByTestId('traffic-chart')).toBeVisible();
      if (s.name === 'enrollment-form') await expect(page.getByTestId('enroll-form')).toBeVisible();
      const file = path.join(dir, `${s.name}-${size}.png`);
      fs.rmSync(file, { force: true });
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      const png = fs.readFileSync(file);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16), `${file} width`).toBe(viewport.width);
    }
    await ctx.close();
  });
}
