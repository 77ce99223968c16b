import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The demo's LAN camera answers discovery on loopback (internal/demo:
// DemoLANSN), waiting to be activated. It goes into a shop of this test's
// own, so other areas' tests that count the demo shops' cameras are not
// disturbed.
const lanSN = 'C201D8BS00188';
const shop = `LAN e2e ${Date.now()}`;

async function openShopTab(page: Page, tab: string) {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  await page.getByRole('link', { name: shop }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: tab }).click();
}

async function openCamera(page: Page) {
  await openShopTab(page, 'LAN cameras');
  await page.getByTestId('lan-camera-link').first().click();
  await expect(page.getByTestId('lan-sn')).toHaveText(lanSN);
}

test.describe.serial('a Sunmi camera on the LAN', () => {
  test('discover, add and activate', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await page.goto('/shops/new');
    await page.getByTestId('shop-form').locator('input[name=name]').fill(shop);
    await page.getByTestId('shop-save').click();
    await expect(page.getByTestId('shop-name')).toHaveText(shop);
    await openShopTab(page, 'LAN cameras');
    await expect(page.getByTestId('lan-empty')).toBeVisible();
    await page.getByTestId('lan-discover').click(); // about five seconds of listening
    const row = page.getByTestId('lan-found-row').filter({ hasText: lanSN });
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(row).toContainText('FM020');
    await expect(row).toContainText('LAN');
    await row.getByTestId('lan-add').click();
    await expect(page.getByTestId('flash')).toContainText(`Camera ${lanSN} added. Its certificate is pinned`);
    await expect(page.getByTestId('lan-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await expect(page.getByTestId('lan-not-activated')).toBeVisible();
    await expect(page.getByTestId('lan-activation')).toContainText('deletes every face group');

    await page.getByTestId('lan-activate').click();
    await expect(page.getByTestId('flash')).toContainText('The camera is activated');
    await expect(page.getByTestId('lan-activated')).toBeVisible();
    await expect(page.getByTestId('doorline-form')).toBeVisible();
  });

  test('the activated camera counts the shop: its traffic syncs from the door counter', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openShopTab(page, 'Traffic');
    await expect(page.getByTestId('traffic-source-name')).toHaveText('Sunmi camera on the LAN (1 door camera)');
    await page.getByTestId('traffic-sync-now').click();
    await expect(page.getByTestId('flash')).toContainText('Synced');
    await page.getByTestId('traffic-preset').selectOption('last7');
    await page.getByTestId('traffic-gran').selectOption('day');
    await page.getByTestId('traffic-show').click();
    await expect(page.getByTestId('traffic-row')).toHaveCount(7);
    const entries = (await page.getByTestId('traffic-row').first().locator('td').nth(1).innerText()).replace(/,/g, '');
    expect(Number(entries)).toBeGreaterThan(0);
    // The door line and flow settings are one click away.
    await page.getByTestId('traffic-door-camera').first().click();
    await expect(page.getByTestId('lan-sn')).toHaveText(lanSN);
    await expect(page.getByTestId('flow-form')).toBeVisible();
  });

  test('rename, IR mode and a door line drawn on the snapshot survive a reload', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCamera(page);

    await page.getByTestId('lan-name-form').locator('input[name=name]').fill('南京西路 正门 LAN');
    await page.getByTestId('lan-name-save').click();
    await expect(page.getByTestId('flash')).toContainText('read back from the camera');
    await expect(page.getByTestId('lan-title')).toHaveText('南京西路 正门 LAN');

    await page.getByTestId('ir-select').selectOption('1');
    await page.getByTestId('ir-save').click();
    await expect(page.getByTestId('flash')).toContainText('Saved');
    await expect(page.getByTestId('ir-select')).toHaveValue('1');

    // Draw the line across the door, left to right, at 80% of the height.
    const img = page.locator('#lan-snapshot');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(1920);
    const canvas = page.getByTestId('doorline-canvas');
    const box = (await canvas.boundingBox())!;
    await page.getByTestId('mode-doorline').check();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.8);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.8, { steps: 5 });
    await page.mouse.up();
    const form = page.getByTestId('doorline-form');
    const near = async (name: string, want: number) => {
      const v = Number(await form.locator(`input[name=${name}]`).inputValue());
      expect(Math.abs(v - want)).toBeLessThanOrEqual(8);
      return v;
    };
    const sx = await near('start_x', 480), sy = await near('start_y', 864);
    const ex = await near('end_x', 1440), ey = await near('end_y', 864);
    await page.getByTestId('doorline-save').click();
    await expect(page.getByTestId('flash')).toContainText('Saved');

    // An impossible detection window is refused with what was typed kept.
    const detect = page.getByTestId('detect-form');
    await detect.locator('input[name=start_time]').fill('25:00');
    await page.getByTestId('detect-save').click();
    await expect(page.getByTestId('error-start_time')).toContainText('HH:MM');
    await expect(detect.locator('input[name=start_time]')).toHaveValue('25:00');

    await page.reload();
    await expect(page.getByTestId('lan-title')).toHaveText('南京西路 正门 LAN');
    await expect(page.getByTestId('ir-select')).toHaveValue('1');
    await expect(form.locator('input[name=start_x]')).toHaveValue(String(sx));
    await expect(form.locator('input[name=start_y]')).toHaveValue(String(sy));
    await expect(form.locator('input[name=end_x]')).toHaveValue(String(ex));
    await expect(form.locator('input[name=end_y]')).toHaveValue(String(ey));
  });

  test('reboot asks once; factory reset asks twice', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCamera(page);
    await page.getByTestId('lan-reboot').click();
    await expect(page.getByTestId('confirm')).toContainText('Reboot');
    await page.getByTestId('confirm-yes').click();
    await expect(page.getByTestId('flash')).toHaveText('The camera is rebooting.');
    await expect(page.getByTestId('lan-activated')).toBeVisible();

    await page.getByTestId('lan-reset').click();
    await expect(page.getByTestId('confirm')).toContainText('factory settings');
    await page.getByTestId('confirm-yes').click();
    const second = page.getByTestId('confirm-second');
    await expect(second).toContainText('cannot be undone');
    await second.locator('input[name=confirm_sn]').fill('WRONG');
    await page.getByTestId('confirm-final').click();
    await expect(page.getByTestId('form-error')).toContainText('nothing was reset');
    await page.getByTestId('confirm-second').locator('input[name=confirm_sn]').fill(lanSN);
    await page.getByTestId('confirm-final').click();
    await expect(page.getByTestId('flash')).toContainText('restored to factory settings');
    await expect(page.getByTestId('lan-not-activated')).toBeVisible();
  });
});

test('the shop health tab shows the offline camera and since when', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/shops?q=' + encodeURIComponent('西湖银泰'));
  await page.getByRole('link', { name: '鲜果时光 西湖银泰店' }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Health' }).click();
  await expect(page.getByTestId('health-offline')).toHaveText('1');
  const back = page.getByTestId('health-row').filter({ hasText: 'C101P98200108' });
  await expect(back.getByTestId('status')).toHaveText('Offline');
  await expect(back.getByTestId('health-offline-since')).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d/);
  await expect(back.getByTestId('health-offline-since')).toContainText('for 2 d');
});

test.describe.serial('SenseLink', () => {
  test('terminals: edit name, location and groups', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'SenseLink' }).first().click();
    await expect(page.getByTestId('sl-company')).toContainText('鲜果时光(上海)商贸有限公司');
    await expect(page.getByTestId('sl-device-row')).toHaveCount(3);
    const row = page.getByTestId('sl-device-row').filter({ hasText: '仓库 闸机' });
    await row.getByTestId('sl-device-edit').click();
    const form = page.getByTestId('sl-device-form');
    await form.locator('input[name=name]').fill('仓库 北门闸机');
    await form.locator('input[name=location]').fill('嘉定仓库 北门');
    await form.getByLabel('访客').check();
    await page.getByTestId('sl-device-save').click();
    await expect(page.getByTestId('flash')).toContainText('仓库 北门闸机');
    const saved = page.getByTestId('sl-device-row').filter({ hasText: '仓库 北门闸机' });
    await expect(saved).toContainText('嘉定仓库 北门');
    await expect(saved.getByTestId('sl-device-groups')).toHaveText('默认组, 访客');
  });

  test('departments: add, find by code, and the 650 refusal explained', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await page.goto('/senselink');
    await page.getByTestId('sl-departments-tab').click();
    await expect(page.getByTestId('sl-dept')).toHaveCount(5);
    const form = page.getByTestId('sl-dept-form');
    await form.locator('select[name=parentId]').selectOption({ label: '— 徐家汇店' });
    await form.locator('input[name=name]').fill('徐家汇店 生鲜组');
    await form.locator('input[name=code]').fill('SH-002-F');
    await page.getByTestId('sl-dept-save').click();
    await expect(page.getByTestId('flash')).toContainText('徐家汇店 生鲜组');
    await expect(page.getByTestId('sl-dept')).toHaveCount(6);

    // The same name at the same level is refused, keeping what was typed.
    await form.locator('select[name=parentId]').selectOption({ label: '— 徐家汇店' });
    await form.locator('input[name=name]').fill('徐家汇店 生鲜组');
    await page.getByTestId('sl-dept-save').click();
    await expect(page.getByTestId('error-name')).toContainText('already exists at this level');
    await expect(form.locator('input[name=name]')).toHaveValue('徐家汇店 生鲜组');

    await page.getByTestId('sl-dept-code').fill('SH-002-F');
    await page.getByTestId('sl-dept-find').click();
    await expect(page.getByTestId('sl-dept-found')).toContainText('徐家汇店 生鲜组');

    await page.getByTestId('sl-dept').filter({ hasText: '行政部' }).getByTestId('sl-dept-delete').click();
    await page.getByTestId('confirm-yes').click();
    await expect(page.getByTestId('sl-refused')).toContainText('still has sub-departments or people');
    await expect(page.getByTestId('sl-refused')).toContainText('650');
  });
});

test('a Sunmi LAN account keeps its activation code and certificate write-only', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/settings/vendors');
  await page.getByTestId('vendor-new-sunmilan').click();
  const form = page.getByTestId('vendor-form');
  await expect(form.locator('input[name=base_url]')).toHaveCount(0);
  await form.locator('input[name=name]').fill('LAN e2e');
  await form.locator('input[name=app_id]').fill('LANE2E01');
  await form.locator('input[name=secret]').fill('lan-secret');
  await form.locator('input[name=activation_code]').fill('act-code-1');
  await form.locator('input[name=client_cert]').setInputFiles({ name: 'openapi.p12', mimeType: 'application/x-pkcs12', buffer: Buffer.from('not a certificate') });
  await form.locator('input[name=client_cert_password]').fill('pw');
  await page.getByTestId('vendor-save').click();
  await expect(page.getByTestId('error-client_cert')).toContainText('cannot be opened');
  await expect(form.locator('input[name=name]')).toHaveValue('LAN e2e');
  await expect(form.locator('input[name=activation_code]')).toHaveValue('');
  await form.locator('input[name=secret]').fill('lan-secret');
  await form.locator('input[name=activation_code]').fill('act-code-1');
  await page.getByTestId('vendor-save').click();
  await expect(page.getByTestId('flash')).toContainText('LAN e2e');
  const row = page.getByTestId('vendor-row').filter({ hasText: 'LAN e2e' });
  await expect(row).toContainText('Activation code');
  await expect(row).not.toContainText('act-code-1');
});
