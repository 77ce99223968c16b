import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// Demo shop 鲜果时光 南京西路店: its cameras on line stream the simulator's clip.
const shopName = '鲜果时光 南京西路店';

async function openWall(page: Page) {
  await page.goto('/shops?q=' + encodeURIComponent(shopName));
  await page.getByRole('link', { name: shopName }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Video wall' }).click();
  await expect(page.getByTestId('wall-tile').first()).toBeVisible();
}

// playingMuted reads, in the page, whether every autoplaying tile plays muted.
function playingMuted(page: Page) {
  return page.locator('[data-testid=tile-player][data-autoplay] video').evaluateAll((vs: HTMLVideoElement[]) =>
    vs.length > 0 && vs.every((v) => !v.paused && v.muted && v.currentTime > 0));
}

test('the wall plays its cameras muted without a click', async ({ page }) => {
  test.setTimeout(60_000); // every camera of the shop decodes at once
  await signIn(page, 'admin', adminPassword);
  await openWall(page);
  await expect(page.locator('[data-testid=tile-player][data-autoplay]')).not.toHaveCount(0);
  await expect.poll(() => playingMuted(page), { timeout: 40_000 }).toBe(true);
  await expect(page.getByTestId('play-button')).toHaveCount(0);
});

test('a browser refusing autoplay gets a play button that plays', async ({ page }) => {
  test.setTimeout(60_000);
  // A browser blocking autoplay (Safari in low-power mode does, even
  // muted): neither the autoplay attribute nor play() starts a video
  // without a user's gesture; a click is one, and plays.
  await page.addInitScript(() => {
    document.addEventListener('readystatechange', () => {
      if (document.readyState === 'interactive') document.querySelectorAll('video[autoplay]').forEach((v) => v.removeAttribute('autoplay'));
    });
    // A gesture is a pointer press on this page since it loaded (not the
    // browser's transient activation, whose few seconds made this flaky).
    let gesture = false;
    window.addEventListener('pointerdown', () => { gesture = true; }, true);
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      if (!gesture) return Promise.reject(new DOMException('autoplay refused', 'NotAllowedError'));
      return play.call(this);
    };
  });
  await signIn(page, 'admin', adminPassword);
  await openWall(page);
  // Opened again without a click on the new page.
  await page.goto(page.url());
  const tile = page.locator('[data-testid=tile-player][data-autoplay]').first();
  await expect(tile.getByTestId('play-button')).toBeVisible({ timeout: 20_000 });
  await expect(tile.locator('video')).toHaveJSProperty('paused', true);
  await tile.getByTestId('play-button').click();
  await expect.poll(() => tile.locator('video').evaluate((v: HTMLVideoElement) => !v.paused && v.muted), { timeout: 30_000 }).toBe(true);
  await expect(tile.getByTestId('play-button')).toBeHidden();
});

test('recordings go day by day, the list shown whole', async ({ page }) => {
  test.setTimeout(60_000); // a day of recordings from the simulated vendor, several times
  await signIn(page, 'admin', adminPassword);
  await page.goto('/shops?q=' + encodeURIComponent(shopName));
  await page.getByRole('link', { name: shopName }).click();
  await page.getByTestId('camera-name').getByText('仓库', { exact: true }).click();
  await page.getByTestId('camera-recordings').click();
  const today = await page.getByTestId('day-form').locator('input[name=date]').inputValue();
  await expect(page.getByTestId('day-next')).toHaveCount(0);
  await page.getByTestId('day-prev').click();
  const yesterday = await page.getByTestId('day-form').locator('input[name=date]').inputValue();
  expect(yesterday < today).toBe(true);
  await expect(page).toHaveURL(new RegExp('date=' + yesterday));
  // A whole day of recordings (the demo cameras record for a week), none
  // clipped: the list does not scroll inside itself, its last item shows.
  const list = page.getByTestId('recording-list');
  expect(await list.getByTestId('recording').count()).toBeGreaterThan(5);
  expect(await list.evaluate((ul) => ul.scrollHeight <= ul.clientHeight + 1 && ul.scrollWidth <= ul.clientWidth + 1)).toBe(true);
  await list.getByTestId('recording').last().scrollIntoViewIfNeeded();
  await expect(list.getByTestId('recording').last()).toBeInViewport();
  // Back to the next day, and to today.
  await page.getByTestId('day-prev').click();
  await page.getByTestId('day-next').click();
  await expect(page.getByTestId('day-form').locator('input[name=date]')).toHaveValue(yesterday);
  await page.getByTestId('day-today').click();
  await expect(page.getByTestId('day-form').locator('input[name=date]')).toHaveValue(today);
});
