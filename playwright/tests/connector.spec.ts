import { test, expect } from '@playwright/test';
import { execFileSync, spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { signIn, adminPassword, english } from './helpers';

// Chain mode (issue 15): an admin adds an on-site connector to a shop, runs
// the command the page shows (storelens-edge, built here from cmd/edge),
// and the connector turns online on the page.
test.use(english);

const shop = `Connector e2e ${Date.now()}`;
const root = path.join(__dirname, '..', '..');
let edge: ChildProcess | undefined;

test.afterAll(() => {
  if (edge && edge.exitCode === null) edge.kill('SIGTERM');
});

test('add a connector, run the shown command, it turns online; revoke drops it', async ({ page }) => {
  test.setTimeout(120_000);
  const bin = path.join(os.tmpdir(), `storelens-edge-e2e-${process.pid}`);
  execFileSync('go', ['build', '-o', bin, './cmd/edge'], { cwd: root, env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'inherit' });

  await signIn(page, 'admin', adminPassword);
  await page.goto('/shops/new');
  await page.getByTestId('shop-form').locator('input[name=name]').fill(shop);
  await page.getByTestId('shop-save').click();
  await expect(page.getByTestId('shop-name')).toHaveText(shop);
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'On-site connector' }).click();
  await expect(page.getByTestId('connector-none')).toBeVisible();
  await page.getByTestId('connector-add').click();
  const command = (await page.getByTestId('connector-command').innerText()).trim();
  expect(command).toMatch(/^storelens-edge --server http:\/\/127\.0\.0\.1:\d+ --pair [0-9A-Z-]+ --data-dir \S+$/);
  // The code is shown once.
  const code = (await page.getByTestId('connector-code-value').innerText()).trim();
  const tab = page.url().replace(/\/add$/, ''); // the POST's page; the tab is a GET
  expect(tab).toMatch(/\/shops\/\d+\/connector$/);
  await page.goto(tab);
  await expect(page.getByTestId('connector-pending')).toBeVisible();
  await expect(page.locator('body')).not.toContainText(code);

  // Run the command as shown, with a data directory of the test's and the
  // LAN range set to a loopback address (the network rule).
  const args = command.split(/\s+/).slice(1);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-e2e-'));
  args[args.indexOf('--data-dir') + 1] = dataDir;
  args.push('--allow', '127.0.0.2/32', '--status', '127.0.0.1:0', '--hook-listen', '127.0.0.2:0');
  const log: string[] = [];
  edge = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  edge.stdout!.on('data', (b) => log.push(String(b)));
  edge.stderr!.on('data', (b) => log.push(String(b)));

  await expect(async () => {
    await page.goto(tab);
    await expect(page.getByTestId('connector-state')).toContainText('Online', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  expect(log.join('')).toContain('paired: connector');
  await expect(page.getByTestId('connector-version')).toHaveText(/^\d+\.\d+\.\d+/);
  // The edge's own status page, on loopback, says it is connected.
  const statusURL = log.join('').match(/"status page" url=(http:\/\/127\.0\.0\.1:\d+\/)/);
  expect(statusURL).not.toBeNull();
  const state = await (await fetch(statusURL![1])).json();
  expect(state.connected).toBe(true);
  expect(state.allow).toEqual(['127.0.0.2/32']);
  expect(fs.statSync(path.join(dataDir, 'edge.key')).mode & 0o777).toBe(0o600);

  // The cameras' webhook receiver: the tab names the callback the edge
  // reported and its queue (empty); a post the central cannot verify is
  // dropped at the edge and counted on the tab, not queued for ever.
  const hook = log.join('').match(/callback=(http:\/\/127\.0\.0\.2:\d+\/hooks\/sunmi-ipc)/);
  expect(hook).not.toBeNull();
  await page.goto(tab);
  await expect(page.getByTestId('connector-hook')).toHaveText(hook![1]);
  await expect(page.getByTestId('connector-queue')).toContainText(/^0 of at most 100000/);
  const form = new FormData();
  for (const [k, v] of [['app_id', 'nobody'], ['random', '123456'], ['timestamp', String(Math.floor(Date.now() / 1000))], ['sign', '00'], ['payload', '{"event_id":1}']]) form.append(k, v);
  const res = await fetch(hook![1], { method: 'POST', body: form });
  expect(res.status).toBe(200); // stored at the edge before the answer
  await expect(async () => {
    await page.goto(tab);
    await expect(page.getByTestId('connector-queue-refused')).toHaveText('1', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId('connector-queue')).toContainText(/^0 of/);
  const after = await (await fetch(statusURL![1])).json();
  expect(after.received).toBe(1);
  expect(after.queue_depth).toBe(0);
  // The shop's Health tab shows the connector too.
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Health' }).click();
  await expect(page.getByTestId('health-connector-state')).toContainText('Online');
  await expect(page.getByTestId('health-connector-queue')).toContainText(/^0 of at most/);
  await page.goto(tab);

  await page.getByTestId('connector-revoke').click();
  await expect(page.getByTestId('flash')).toContainText('The connector was revoked');
  const exited = await new Promise<number | null>((resolve) => {
    if (edge!.exitCode !== null) return resolve(edge!.exitCode);
    const t = setTimeout(() => resolve(null), 10_000);
    edge!.on('exit', (code) => { clearTimeout(t); resolve(code); });
  });
  expect(exited).toBe(1);
  expect(log.join('')).toContain('revoked');
});

// The demo's chain shop reaches its LAN camera (on 127.0.0.2) only through
// its connector: live video plays through the tunnel, and the connector tab
// shows the camera's share of the shop's uplink.
test('the chain shop camera plays live through the connector; the tab shows its bitrate', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'admin', adminPassword);
  await page.goto('/shops?q=' + encodeURIComponent('苏州加盟店'));
  await page.getByRole('link', { name: '鲜果时光 苏州加盟店' }).click();
  const shopURL = page.url();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'LAN cameras' }).click();
  await page.getByTestId('lan-camera-link').filter({ hasText: '门口 FM020' }).click();
  await page.getByTestId('lan-live').click();
  await expect(page.getByTestId('live-player')).toHaveAttribute('data-playing', 'hls');
  const position = () => page.getByTestId('live-player').locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(position, { timeout: 20_000 }).toBeGreaterThan(0);
  const t0 = await position();
  await expect.poll(position, { timeout: 15_000 }).toBeGreaterThan(t0 + 2);

  // While it plays, the tab names the camera on the uplink with a bitrate.
  const tab = await page.context().newPage();
  await tab.goto(shopURL.replace(/\/?$/, '') + '/connector');
  await expect(tab.getByTestId('connector-state')).toContainText('Online');
  const row = tab.getByTestId('connector-wan-row').filter({ hasText: '门口 FM020' });
  await expect(row).toBeVisible();
  await expect(row.getByTestId('connector-wan-rate')).toContainText(/[0-9.]+ (k|M)bit\/s from the shop/);
  await expect(tab.getByTestId('connector-rate')).toContainText(/from the shop/);
  await tab.close();
});
