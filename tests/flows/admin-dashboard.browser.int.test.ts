import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ephemeralOps } from '@cp/api';
import { insertOperator } from '@cp/testing';
import { type BrowserContext, chromium } from 'playwright-core';
import { type FlowSystem, startFlowSystem } from './support/system';

const root = path.resolve(__dirname, '..', '..');
/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it). Never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots land here (git-ignored): the test's artifacts. */
const ARTIFACTS = path.join(root, 'reports', 'screenshots');
const WAIT = { timeout: 15_000 };

/** The queue dashboard in a real browser: login, both queues, a failed job. */
describe('queue dashboard in a browser', () => {
  let system: FlowSystem;
  let server: Server;
  let url: string;
  let userDataDir: string;
  let context: BrowserContext;
  let failedJobId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    }
    system = await startFlowSystem({ workers: ['registry'] });
    // A registration for a workspace that does not exist: refused, so the job fails.
    failedJobId = await system.registry.producer.enqueue('runtime.register', {
      workspaceId: randomUUID(),
      daemonId: 'daemon-dashboard',
      legacyDaemonIds: [],
      deviceName: 'laptop',
      cliVersion: '1.0.0',
      launchedBy: '',
      runtimes: [
        { name: 'claude', type: 'claude', version: '1', status: 'online', profileId: null },
      ],
      ownerId: null,
    });
    expect((await system.registry.outcomes.wait(failedJobId, 10_000))?.status).toBe('failed');

    server = createServer(system.buildApp({ ops: ephemeralOps() }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    userDataDir = await mkdtemp(path.join(tmpdir(), 'cp-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // The dashboard links a web font; tests use no network beyond this machine.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) {
      await rm(userDataDir, { recursive: true, force: true });
    }
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await system?.stop();
  });

  it('refuses the dashboard without a login', async () => {
    const page = await context.newPage();
    try {
      const res = await page.goto(`${url}/admin/queues`);
      expect(res?.status()).toBe(401);
      expect(await page.textContent('body')).toContain('missing authorization header');
    } finally {
      await page.close();
    }
  });

  it("logs an operator in and shows both queues and the registry queue's failed job", async () => {
    const { token } = await insertOperator(system.database.db);
    const page = await context.newPage();
    try {
      await page.goto(`${url}/admin/login`);
      await page.fill('#token', token);
      await Promise.all([page.waitForURL(`${url}/admin/queues`, WAIT), page.click('button')]);

      // The overview has a card per queue; the registry's counts its failed job.
      const overview = page.locator('main');
      await overview.getByText('cascade', { exact: true }).waitFor(WAIT);
      await overview.getByText('registry', { exact: true }).waitFor(WAIT);
      await overview.getByText('1 Job', { exact: true }).waitFor(WAIT);
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-queues.png'), fullPage: true });

      await page.goto(`${url}/admin/queues/queue/registry?status=failed`);
      await page.getByText(failedJobId).first().waitFor(WAIT);
      // Its failure reason: the registration's refusal.
      await page
        .getByText(/WORKSPACE_NOT_FOUND/)
        .first()
        .waitFor(WAIT);
      await page.screenshot({
        path: path.join(ARTIFACTS, 'admin-queues-registry-failed.png'),
        fullPage: true,
      });

      // The session cookie is HttpOnly: page scripts cannot read it.
      expect(await page.evaluate<string>('document.cookie')).toBe('');
      const [cookie] = await context.cookies(url);
      expect(cookie).toMatchObject({
        name: 'cp_admin_session',
        httpOnly: true,
        sameSite: 'Strict',
      });
    } finally {
      await page.close();
    }
  }, 60_000);
});
