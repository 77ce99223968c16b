// The pages the "checks that stay" visit (i18n-coverage, a11y, phone,
// screenshots). They are found, not typed in: starting from the home page and
// the admin's menus, every same-origin link of every page is followed
// (fetching HTML only, no rendering), and one page per route is kept — the
// route being the path with its numbers and ids replaced by ":id", so
// /shops/3/cameras/7 and /shops/1/cameras/2 are one route. ROUTES below names
// every GET route of internal/handlers/router.go (and the areas' register*
// functions) that renders a page; discovery must find each of them, so a page
// added to the router without a link, or a link that breaks, fails the specs
// instead of silently going unvisited.
import { Browser, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { adminPassword, signIn } from './helpers';

// The pages that render HTML, as route patterns. Left out on purpose:
// streams and files (live/ws, flv, hls, snapshot, screenshot, clips, photos,
// pictures, *.csv, progress), POST-only routes, /logout, /lang, /healthz;
// /senselink (it redirects to its one account's page, which is listed) and
// /shops/:id/faces/groups/:id/delete (linked only for an empty group the
// vendor lets us delete; the demo has none).
export const ROUTES = [
  '/',
  '/account/password',
  '/shops',
  '/shops/new',
  '/shops/:id',
  '/shops/:id/edit',
  '/shops/:id/delete',
  '/shops/:id/cameras/bind',
  '/shops/:id/cameras/:id',
  '/shops/:id/cameras/:id/unbind',
  '/shops/:id/cameras/:id/live',
  '/shops/:id/cameras/:id/recordings',
  '/shops/:id/cameras/:id/lan',
  '/shops/:id/cameras/:id/lan/format-sd',
  '/shops/:id/cameras/:id/lan/reboot',
  '/shops/:id/cameras/:id/lan/reset',
  '/shops/:id/cameras/:id/lan/remove',
  '/shops/:id/wall',
  '/shops/:id/health',
  '/shops/:id/lan',
  '/shops/:id/connector',
  '/shops/:id/events',
  '/shops/:id/events/settings',
  '/shops/:id/traffic',
  '/shops/:id/traffic/demographics',
  '/shops/:id/traffic/frequency',
  '/shops/:id/traffic/source',
  '/shops/:id/faces',
  '/shops/:id/faces/groups/new',
  '/shops/:id/faces/groups/:id',
  '/shops/:id/faces/groups/:id/edit',
  '/shops/:id/faces/enroll',
  '/shops/:id/faces/bulk',
  '/shops/:id/faces/deletions',
  '/shops/:id/faces/search',
  '/shops/:id/faces/visitors',
  '/shops/:id/faces/people/:id',
  '/settings/vendors',
  '/settings/vendors/new',
  '/settings/vendors/:id/edit',
  '/settings/vendors/:id/delete',
  '/settings/vendors/:id/devices',
  '/settings/events',
  '/settings/traffic',
  '/settings/opretail/new',
  '/users',
  '/users/new',
  '/users/:id/edit',
  '/audit',
  '/events',
  '/traffic',
  '/traffic/compare',
  '/video/streams',
  '/senselink/:id',
  '/senselink/:id/departments',
  '/shops/:id/alerts',
  '/settings/alerts',
  '/settings/alerts/:id',
  '/alerts/demo',
];

// Links that are not pages (or would change the demo when fetched).
const skip = /\/(live\/ws|flv|hls|snapshot|screenshot|clips|photos|picture|clip|progress|playback|viewers)(\/|$)|\.csv$|^\/(logout|lang|healthz|static|events\/live|events\/history)/;

export function routeOf(p: string): string {
  return p
    .split('/')
    .map((seg, i) => (i > 0 && /^(\d+|[0-9a-f]{8,}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)$/.test(seg) && !/^(format-sd)$/.test(seg) ? ':id' : seg))
    .join('/');
}

const stateDir = path.join(__dirname, '..', 'test-results');
const statePath = path.join(stateDir, `admin-state-${process.env.STORELENS_E2E_PORT}.json`);
const pagesPath = path.join(stateDir, `pages-${process.env.STORELENS_E2E_PORT}.json`);

// adminState signs the admin in once per server and keeps the cookies in a
// file every spec of the four reuses (test.use({ storageState })).
export async function adminState(browser: Browser): Promise<string> {
  if (fs.existsSync(statePath)) return statePath;
  const ctx = await browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  await signIn(page, 'admin', adminPassword);
  fs.mkdirSync(stateDir, { recursive: true });
  await ctx.storageState({ path: statePath });
  await ctx.close();
  return statePath;
}

// discoverPages returns one URL per route of ROUTES, found by following
// links as the admin; cached per server in test-results/.
export async function discoverPages(browser: Browser): Promise<{ route: string; url: string }[]> {
  if (fs.existsSync(pagesPath)) return JSON.parse(fs.readFileSync(pagesPath, 'utf8'));
  const ctx = await browser.newContext({ storageState: await adminState(browser), locale: 'en-US' });
  const found = new Map<string, string>();
  const queue = ['/', '/shops', '/settings/vendors', '/users', '/senselink', '/events', '/traffic'];
  const seen = new Set<string>();
  const queued = new Map<string, number>();
  for (let n = 0; queue.length > 0 && n < 400; n++) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const res = await ctx.request.get(url, { maxRedirects: 0, timeout: 10_000 });
    if (res.status() !== 200 || !(res.headers()['content-type'] || '').includes('text/html')) continue;
    const route = routeOf(url.split('?')[0]);
    if (!found.has(route)) found.set(route, url);
    const html = await res.text();
    for (const m of html.matchAll(/href="([^"#]*)"/g)) {
      const href = m[1].replace(/&amp;/g, '&');
      if (!href.startsWith('/') || href.startsWith('//')) continue;
      const p = href.split('?')[0];
      if (skip.test(p) || seen.has(href) || queue.includes(href)) continue;
      // One page per route is kept, but a few of each are followed (a LAN
      // camera's page links to pages a cloud camera's does not); query
      // strings make no new route.
      const r = routeOf(p);
      const n = queued.get(r) || 0;
      if (n >= 8) continue;
      queued.set(r, n + 1);
      queue.push(href);
    }
  }
  await ctx.close();
  if (process.env.PAGES_DEBUG) console.log([...seen].join('\n'));
  const missing = ROUTES.filter((r) => !found.has(r));
  expect(missing, 'routes of router.go that no link reaches').toEqual([]);
  const pages = ROUTES.map((route) => ({ route, url: found.get(route)! }));
  fs.writeFileSync(pagesPath, JSON.stringify(pages));
  return pages;
}

// open goes to a page and returns once its HTML is parsed and its deferred
// scripts have run: images, video and streams are never waited on.
export async function open(page: Page, url: string) {
  const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
  expect(res?.status(), url).toBe(200);
}
