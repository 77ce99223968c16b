import { defineConfig } from '@playwright/test';
import * as path from 'path';

// One StoreLens server in demo mode (its simulators run inside it on
// loopback) over a fresh data directory, with a known admin password.
// The port is chosen once in the runner process; workers inherit it.
if (!process.env.STORELENS_E2E_PORT) {
  process.env.STORELENS_E2E_PORT = String(20000 + (process.pid % 20000));
}
const port = process.env.STORELENS_E2E_PORT;
const dataDir = path.join(__dirname, '.data', `run-${port}`);
export const adminPassword = 'e2e-admin-password';
const CHECKS = /(i18n-coverage|a11y|phone|screenshots)\.spec\.ts$/;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    },
  },
  // The page checks (catalogue, axe, phone width, screenshots) read every
  // page as the demo ships it, so they run first: the flows after them add
  // shops, cameras and people with test names ("Binjiang e2e …") that are
  // user data, not the catalogue's. workers: 1 runs the projects in order.
  projects: [
    { name: 'checks', testMatch: CHECKS },
    { name: 'flows', testIgnore: CHECKS },
  ],
  webServer: {
    command: `rm -rf '${dataDir}' && ../bin/storelens --addr 127.0.0.1:${port} --data-dir '${dataDir}' --demo on --log-level warn`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { STORELENS_ADMIN_PASSWORD: adminPassword },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
