import { test, expect, BrowserContext, Page } from '@playwright/test';
import { adminState, discoverPages, open, ROUTES } from './pages';

// Every page in Chinese: no visible text that is not from the catalogue.
//
// What is read: every visible text node of the page (hidden menus, closed
// dialogs and templates are not visible and not read; option texts count
// when their select is visible), and the placeholder, aria-label, title and
// alt attributes and button values. Skipped: <code>, <kbd>, <samp> and
// elements marked translate="no" — the HTML way of saying "a code, not a
// word" (the vendor's own field names in the help texts are shown so).
//
// How a word is judged: the text is cut at white space into tokens; a token
// with a digit in it is a code or a measurement (serial numbers, MACs, IPs,
// times, "FM020", "3B:CF:…"), as are addresses (://, a leading / or #) and
// IANA time zones (Asia/Shanghai); of the rest, every run of Latin letters
// must be in ALLOW below or the page fails, with the run and its sentence.
// ALLOW is built by hand from three lists, each word with why it is Latin in
// a Chinese UI; a word is added only when it is one of these, never to make
// an untranslated label pass:
const PRODUCTS = [
  'StoreLens', 'storelens-edge', // ours: the product and its on-site connector's program
  'Linux', // the system the connector runs on
  'Sunmi', 'SUNMI', 'SenseTime', 'SenseLink', 'Enterprise', 'SenseKeeper', 'SensePass', 'OpRetail', // vendors and their products
  'English', // the language switch names English in English
];
const CODES = [
  // units, file formats, protocols and standard abbreviations a Chinese UI
  // writes in Latin letters too
  'JPEG', 'JPG', 'jpg', 'PNG', 'png', 'ZIP', 'zip', 'CSV', 'csv', 'MB', 'KB', 'GB', 'fps', 'kbps', 'Mbps', 'ms',
  'SD', 'IP', 'MAC', 'SN', 'ID', 'LAN', 'Wi-Fi', 'WiFi', 'SSID', 'DHCP', 'DNS', 'RTSP', 'HLS', 'FLV', 'UDP', 'TCP', 'TLS',
  'HTTP', 'HTTPS', 'URL', 'API', 'SMTP', 'STARTTLS', 'OpenAPI', 'Webhook', 'UTC', 'GMT', 'VIP', 'PKCS', 'WPA', 'WPA-PSK', 'WPA2-PSK', 'PSK', 'WEP',
  // the vendors' console labels the help texts tell the admin to look for
  'AppKey', 'AppSecret', 'cloud.api', 'm.api',
  // storelens-edge's command-line option a help text names (--ports)
  'ports',
];
const DEMO_DATA = [
  // user data the demo seeds (internal/demo, cmd/web's first admin) and its
  // simulators report: people's user names, Wi-Fi networks, department codes
  'admin', 'zhang', 'Administrator',
  'TP-LINK', 'WeWork', 'WeWorkCorp',
  'OPS', 'SH', 'ADM', 'LOG',
];
const ALLOW = new Set([...PRODUCTS, ...CODES, ...DEMO_DATA]);

// Parts of pages that hold user or vendor data, not the catalogue's words:
// an audit entry's detail is what was recorded when it happened (a vendor's
// reply, a name before and after a rename, a CSV file's counts). The
// entry's sentence and kind are read like every other text.
const EXEMPT: Record<string, string> = {
  '/audit': '[data-testid=audit-detail]',
  // A channel's messages and the robots' answers are what was sent and said
  // (a vendor's group name, an errmsg); the demo groups page shows what the
  // simulated robots received.
  '/settings/alerts/:id': '[data-testid=alert-message-title], [data-testid=alert-detail]',
  '/alerts/demo': '[data-testid=demo-message], [data-testid=demo-webhook], [data-testid=demo-secret]',
};

// Codes one page legitimately names in running text: the bulk upload's CSV
// column names (the file is written with them) and the LAN camera's RTSP
// calls on the stream status page (the API's own names).
const PAGE_ALLOW: Record<string, string[]> = {
  '/shops/:id/faces/bulk': ['file', 'name', 'gender', 'age_range', 'custom'],
  '/video/streams': ['rtsp.play', 'rtsp.stop'],
  // The person filter lists the accounts that acted: the demo's seeding
  // account and the server's own are user names.
  '/audit': ['demo', 'system'],
  // The robots' own words for their credentials (DingTalk's SEC… secret,
  // WeCom's key= in the webhook).
  '/shops/:id/alerts': ['SEC', 'key'],
  '/settings/alerts': ['SEC', 'key'],
  '/settings/alerts/:id': ['SEC', 'key'],
};

function untranslated(texts: string[], extra: string[] = []): string[] {
  const bad = new Set<string>();
  for (const text of texts) {
    for (const raw of text.split(/\s+/)) {
      // An IANA zone is a code wherever it sits in the token: Chinese text
      // runs into it with no space ("时区(Asia/Shanghai)。").
      const token = raw.replace(/[A-Z][a-z]+\/[A-Za-z_]+/g, '');
      if (!token || /\d/.test(token) || token.includes('://') || /^[/#@…]/.test(token)) continue;
      for (const run of token.match(/[A-Za-z](?:[A-Za-z._'-]*[A-Za-z])?/g) || []) {
        if (run.length < 2 || ALLOW.has(run) || extra.includes(run)) continue;
        bad.add(`${run}  «${text.slice(0, 120)}»`);
      }
    }
  }
  return [...bad];
}

async function visibleTexts(page: Page, exempt: string | undefined): Promise<string[]> {
  return page.evaluate((exempt) => {
    const skip = 'script,style,noscript,template,code,kbd,samp,[translate=no]' + (exempt ? ',' + exempt : '');
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const t = (n.textContent || '').trim();
      if (!el || !t || el.closest(skip)) continue;
      const shown = (el.closest('select') as Element | null) || el;
      if (!shown.checkVisibility({ visibilityProperty: true })) continue;
      out.push(t);
    }
    for (const el of document.querySelectorAll('[placeholder],[aria-label],[title],img[alt],input[type=submit][value],input[type=button][value]')) {
      if (el.closest(skip) || !el.checkVisibility({ visibilityProperty: true })) continue;
      for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
        const v = el.getAttribute(a);
        if (v) out.push(v);
      }
      if (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button')) out.push(el.value);
    }
    return out;
  }, exempt);
}

let ctx: BrowserContext;
let page: Page;
let urls: Map<string, string>;

test.beforeAll(async ({ browser, baseURL }) => {
  urls = new Map((await discoverPages(browser)).map((p) => [p.route, p.url]));
  ctx = await browser.newContext({ storageState: await adminState(browser), locale: 'zh-CN' });
  await ctx.addCookies([{ name: 'lang', value: 'zh-CN', url: baseURL! }]);
  page = await ctx.newPage();
});
test.afterAll(async () => ctx?.close());

test('the checker itself flags an English word and passes codes and allowed names', () => {
  expect(untranslated(['保存 Save', '门店编号 sunmi_shop_no'])).toEqual(['Save  «保存 Save»', 'sunmi_shop_no  «门店编号 sunmi_shop_no»']);
  expect(untranslated(['SN C201D8BS00266 · FM020', 'Asia/Shanghai', 'https://127.0.0.1:443/openapi', '#OPS', 'StoreLens 与 SenseLink'])).toEqual([]);
});

test('the sign-in page is in Chinese', async ({ browser, baseURL }) => {
  const anon = await browser.newContext({ locale: 'zh-CN' });
  await anon.addCookies([{ name: 'lang', value: 'zh-CN', url: baseURL! }]);
  const p = await anon.newPage();
  await open(p, '/login');
  expect(untranslated(await visibleTexts(p, undefined))).toEqual([]);
  await anon.close();
});

for (const route of ROUTES) {
  test(`${route} is in Chinese`, async () => {
    const url = urls.get(route)!;
    await open(page, url);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(untranslated(await visibleTexts(page, EXEMPT[route]), PAGE_ALLOW[route]), url).toEqual([]);
  });
}
