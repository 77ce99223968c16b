import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// Demo shop 鲜果时光 南京西路店: three cameras on line, one of them 正门入口
// (SN C201D8BS00101). The simulator streams its H.264 test clip.
const shopName = '鲜果时光 南京西路店';
const doorSN = 'C201D8BS00101';

async function openShop(page: Page, name: string) {
  await page.goto('/shops?q=' + encodeURIComponent(name));
  await page.getByRole('link', { name }).click();
  await expect(page.getByTestId('shop-name')).toHaveText(name);
}

async function openCamera(page: Page, shop: string, camera: string) {
  await openShop(page, shop);
  await page.getByTestId('camera-name').getByText(camera, { exact: true }).click();
  await expect(page.getByTestId('camera-title')).toHaveText(camera);
}

// The video element's playback position, read in the page.
function currentTime(page: Page, testid: string, nth = 0) {
  return page.getByTestId(testid).nth(nth).locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
}

// expectPlays waits for the video to start, then for its position to move
// on by more than two seconds of played video (a live stream's position
// does not start at zero, so the first value alone proves nothing).
async function expectPlays(page: Page, testid: string, nth = 0) {
  await expect.poll(() => currentTime(page, testid, nth), { timeout: 15_000 }).toBeGreaterThan(0);
  const t0 = await currentTime(page, testid, nth);
  await expect.poll(() => currentTime(page, testid, nth), { timeout: 15_000 }).toBeGreaterThan(t0 + 2);
}

test('live view plays over FLV, and leaving the page stops the vendor stream', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openCamera(page, shopName, '正门入口');
  await page.getByTestId('camera-live').click();
  await expect(page.getByTestId('live-player')).toHaveAttribute('data-playing', 'flv');
  await expectPlays(page, 'live-player');
  await page.screenshot({ path: 'test-results/video-live.png' });
  await expect(page.getByTestId('viewer-count')).toHaveText('1 watching', { timeout: 10_000 });
  // No vendor URL or auth_key in the page.
  expect(await page.content()).not.toContain('auth_key');

  // Leave: the socket closes, and after the linger the vendor stream stops.
  await page.goto('/video/streams');
  await expect.poll(async () => {
    await page.reload();
    return page.locator(`[data-testid=sim-event][data-op="live.stop"][data-sn="${doorSN}"]`).count();
  }, { timeout: 20_000, intervals: [1000] }).toBeGreaterThan(0);
  await expect(page.locator(`[data-testid=sim-event][data-op="live.start"][data-sn="${doorSN}"]`).first()).toBeVisible();
});

test('live view plays over HLS, and 高清 is a separate stream', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openCamera(page, shopName, '收银台');
  await page.getByTestId('camera-live').click();
  await page.getByTestId('quality-1').click();
  await page.goto(page.url() + '&mode=hls');
  await expect(page.getByTestId('live-player')).toHaveAttribute('data-playing', 'hls');
  await expectPlays(page, 'live-player');
  // The snapshot button saves a picture.
  const download = page.waitForEvent('download');
  await page.getByTestId('snapshot').click();
  expect((await download).suggestedFilename()).toMatch(/^C101P98200102-\d{8}-\d{6}\.jpg$/);
});

test('a wall of four cameras plays', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  // A fourth camera for the shop, bound as a person would.
  await openShop(page, shopName);
  // The shop's cameras so far (three cloud ones and the demo's LAN face camera).
  const before = await page.getByTestId('camera-card').count();
  expect(before).toBeGreaterThanOrEqual(3);
  await page.getByTestId('camera-bind').click();
  const form = page.getByTestId('bind-form');
  await form.locator('input[name=sn]').fill('C101P98200111');
  await form.locator('input[name=mac]').fill('0C:25:76:6F:51:11');
  await page.getByTestId('bind-submit').click();
  await expect(page.getByTestId('camera-card')).toHaveCount(before + 1);

  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Video wall' }).click();
  await expect(page.getByTestId('wall-tile')).toHaveCount(before + 1);
  await page.getByTestId('wall-play-all').click();
  await Promise.all([...Array(before + 1).keys()].map((i) => expectPlays(page, 'tile-player', i)));
  await page.screenshot({ path: 'test-results/video-wall.png' });
});

test('a recording of the day plays, and the timeline shows motion', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openCamera(page, shopName, '仓库');
  await page.getByTestId('camera-recordings').click();
  // Yesterday: a whole day of recordings (the demo cameras record for a week).
  const yesterday = new Date(Date.now() - 24 * 3600 * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByTestId('day-form').locator('input[name=date]').fill(yesterday);
  await page.getByTestId('day-form').getByRole('button').click();
  await expect(page.getByTestId('recording').first()).toBeVisible();
  expect(await page.getByTestId('motion').count()).toBeGreaterThan(10);
  await page.getByTestId('recording').first().click();
  await expect(page.getByTestId('playback-player')).toHaveAttribute('data-playing', 'flv');
  await expectPlays(page, 'playback-player');
  await page.screenshot({ path: 'test-results/video-recordings.png', fullPage: true });
  await expect(page.getByTestId('playing')).toContainText('Playing from 00:00');
});

test("a manager cannot open another shop's stream", async ({ browser }) => {
  const admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(admin, 'admin', adminPassword);
  const username = `vmgr${Date.now() % 100000}`;
  await admin.goto('/users/new');
  const form = admin.getByTestId('user-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill('manager-e2e-pass');
  await admin.getByTestId('user-role').selectOption('manager');
  await admin.getByTestId('user-shops').getByLabel('鲜果时光 徐家汇店').check();
  await admin.getByTestId('user-save').click();
  await expect(admin.getByTestId('flash')).toContainText(username);
  // A camera of a shop the manager may not see, and its stream URLs.
  await openCamera(admin, shopName, '正门入口');
  const camHref = new URL(admin.url()).pathname;

  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(page, username, 'manager-e2e-pass');
  for (const path of ['/live', '/live/0/flv', '/live/0/hls/viewer-000001/index.m3u8', '/live/0/viewers', '/snapshot', '/recordings']) {
    const res = await page.request.get(camHref + path);
    expect(res.status(), path).toBe(404);
  }
  const start = await page.request.post(camHref + '/live/0/start', { headers: { Origin: new URL(page.url()).origin } });
  expect(start.status()).toBe(404);
  // The websocket is refused too.
  const closed = await page.evaluate((url) => new Promise<boolean>((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(false);
    ws.onerror = () => resolve(true);
  }), 'ws://' + new URL(page.url()).host + camHref + '/live/0/ws');
  expect(closed).toBe(true);
});
