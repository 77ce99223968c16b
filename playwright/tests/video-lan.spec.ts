import { test, expect, Page, Browser } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The demo's Sunmi camera on the LAN (internal/demo: DemoLANSN) serves RTSP
// on loopback, looping the H.264 test clip, and its SD card holds
// yesterday's opening hours and today since midnight. The server reads the
// RTSP and serves it as HLS. The camera goes into a shop of this file's own
// (or, when another spec added it already, is used where it is).
const lanSN = 'C201D8BS00188';
const shop = `LAN video e2e ${Date.now()}`;

function currentTime(page: Page, testid: string) {
  return page.getByTestId(testid).locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
}

// expectPlays waits for the video to start, then for its position to move
// on by more than two seconds.
async function expectPlays(page: Page, testid: string) {
  await expect.poll(() => currentTime(page, testid), { timeout: 20_000 }).toBeGreaterThan(0);
  const t0 = await currentTime(page, testid);
  await expect.poll(() => currentTime(page, testid), { timeout: 15_000 }).toBeGreaterThan(t0 + 2);
}

// openLANCamera returns the camera's settings page, activated: added to this
// file's shop by discovery, or opened in the shop that has it.
async function openLANCamera(page: Page): Promise<string> {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  if (await page.getByRole('link', { name: shop }).count() === 0) {
    await page.goto('/shops/new');
    await page.getByTestId('shop-form').locator('input[name=name]').fill(shop);
    await page.getByTestId('shop-save').click();
    await expect(page.getByTestId('shop-name')).toHaveText(shop);
  } else {
    await page.getByRole('link', { name: shop }).click();
  }
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'LAN cameras' }).click();
  const link = page.getByTestId('lan-camera-link');
  if (await link.count() > 0) {
    await link.first().click();
  } else {
    await page.getByTestId('lan-discover').click(); // about five seconds of listening
    const row = page.getByTestId('lan-found-row').filter({ hasText: lanSN });
    await expect(row).toBeVisible({ timeout: 15_000 });
    if (await row.getByTestId('lan-add').count() > 0) {
      await row.getByTestId('lan-add').click();
    } else {
      await row.getByRole('link').first().click(); // the shop that has it
    }
  }
  await expect(page.getByTestId('lan-sn')).toHaveText(lanSN);
  if (await page.getByTestId('lan-not-activated').count() > 0) {
    await page.getByTestId('lan-activate').click();
    await expect(page.getByTestId('lan-activated')).toBeVisible();
  }
  return page.url().replace(/\/lan$/, '');
}

async function rtspStops(page: Page): Promise<number> {
  await page.goto('/video/streams');
  return page.locator(`[data-testid=sim-event][data-op="rtsp.stop"][data-sn="${lanSN}"]`).count();
}

test.describe.serial('video of a Sunmi camera on the LAN', () => {
  let camera = '';

  test('live plays from RTSP as HLS, and leaving stops the RTSP session', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'admin', adminPassword);
    camera = await openLANCamera(page);
    const stopsBefore = await rtspStops(page);
    await page.goto(camera + '/lan');
    await page.getByTestId('lan-live').click();
    await expect(page.getByTestId('live-title')).toContainText('Live');
    await expect(page.getByTestId('live-player')).toHaveAttribute('data-playing', 'hls');
    await expectPlays(page, 'live-player');
    await page.screenshot({ path: 'test-results/video-lan-live.png' });
    // Only our own URLs: no RTSP URL, no camera address in the page.
    const html = await page.content();
    expect(html).not.toContain('rtsp://');
    expect(html).not.toContain('.sdp');
    // Snapshot and full screen are there; 高清 is a stream of its own.
    const download = page.waitForEvent('download');
    await page.getByTestId('snapshot').click();
    expect((await download).suggestedFilename()).toMatch(new RegExp(`^${lanSN}-\\d{8}-\\d{6}\\.jpg$`));
    await expect(page.getByTestId('fullscreen')).toBeVisible();
    await page.getByTestId('quality-1').click();
    await expect(page.getByTestId('live-player')).toHaveAttribute('data-playing', 'hls');
    await expectPlays(page, 'live-player');

    // Leave: once the player stops asking, the camera sees the TEARDOWN.
    await page.goto('/video/streams');
    await expect(page.locator(`[data-testid=sim-event][data-op="rtsp.play"][data-sn="${lanSN}"]`).first()).toBeVisible();
    await expect.poll(() => rtspStops(page), { timeout: 60_000, intervals: [2000] }).toBeGreaterThanOrEqual(stopsBefore + 2);
    await expect(page.locator(`[data-testid=sim-event][data-op="rtsp.stop"][data-sn="${lanSN}"]`).first()).toContainText('TEARDOWN');
  });

  test("a recording of today plays, and clips are cut", async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, 'admin', adminPassword);
    if (!camera) camera = await openLANCamera(page);
    await page.goto(camera + '/lan');
    await page.getByTestId('lan-recordings').click();
    await expect(page.getByTestId('recordings-title')).toContainText('Recordings');
    const rec = page.getByTestId('recording').first();
    await expect(rec).toBeVisible();
    await rec.click();
    await expect(page.getByTestId('playback-player')).toHaveAttribute('data-playing', 'hls');
    await expectPlays(page, 'playback-player');
    await expect(page.getByTestId('playing')).toContainText('Playing');

    // A clip of eight seconds before now: listed at once, downloadable
    // when the camera has it (4 to 12 s later).
    await page.getByTestId('clip-form').locator('select[name=following]').selectOption('0');
    await page.getByTestId('clip-cut').click();
    await expect(page.getByTestId('clip-asked')).toBeVisible();
    await expect(page.getByTestId('clip').first()).toContainText('−8 s / +0 s');
    await expect.poll(async () => {
      await page.reload();
      return page.getByTestId('clip-download').count();
    }, { timeout: 20_000, intervals: [2000] }).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('clip-download').first().click();
    expect((await download).suggestedFilename()).toMatch(new RegExp(`^${lanSN}-clip-\\d{8}-\\d{6}\\.flv$`));
  });

  test("a manager of another shop gets 404 for the camera's stream", async ({ browser }) => {
    const admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(admin, 'admin', adminPassword);
    if (!camera) camera = await openLANCamera(admin);
    const username = `lanmgr${Date.now() % 100000}`;
    await admin.goto('/users/new');
    const form = admin.getByTestId('user-form');
    await form.locator('input[name=username]').fill(username);
    await form.locator('input[name=password]').fill('manager-e2e-pass');
    await admin.getByTestId('user-role').selectOption('manager');
    await admin.getByTestId('user-shops').getByLabel('鲜果时光 南京西路店').check();
    await admin.getByTestId('user-save').click();
    await expect(admin.getByTestId('flash')).toContainText(username);

    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    await signIn(page, username, 'manager-e2e-pass');
    const path = new URL(camera).pathname;
    for (const p of ['/live', '/live/0/hls/viewer-e2e-0001/index.m3u8', '/recordings', '/snapshot']) {
      const r = await page.request.get(path + p);
      expect(r.status(), p).toBe(404);
    }
    const r = await page.request.post(path + '/live/0/start');
    expect(r.status()).toBe(404);
  });
});
