// The Node-RED editor in a real browser: Debian's Chromium driven by playwright-core
// against a real Node-RED runtime with this package installed in its user directory.
//
// Skipped, with a message saying how to install it, when there is no Chromium
// (/usr/bin/chromium, or the file CHROMIUM_PATH names). Screenshots are written to
// test-results/screenshots/ (one more per failed test).
import should from 'should';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { nodeRedUserDir, type RunningNodeRed, startNodeRedEditor, type UserDirOptions } from '../support/node-red-process';

const root = path.resolve(__dirname, '..', '..', '..');
const screenshots = path.join(root, 'test-results', 'screenshots');
const PACKAGE = 'node-red-contrib-slipstream';

/** The five flow nodes, in palette order, with their palette labels. */
const FLOW_NODES: ReadonlyArray<readonly [type: string, label: string]> = [
  ['slipstream-topic-in', 'kafka in'],
  ['slipstream-topic-out', 'kafka out'],
  ['slipstream-handle', 'handle'],
  ['slipstream-cache', 'cache'],
  ['slipstream-checkpoint', 'checkpoint'],
];

/** The icon each flow node shows (from its registerType). */
const ICONS: Record<string, string> = {
  'slipstream-topic-in': 'bridge.svg',
  'slipstream-topic-out': 'bridge.svg',
  'slipstream-handle': 'function.svg',
  'slipstream-cache': 'db.svg',
  'slipstream-checkpoint': 'font-awesome/fa-heartbeat',
};

/** Each type's first help sentence (from nodes/<name>/<name>.html). */
const HELP: Record<string, string> = {
  'slipstream-kafka': 'A connection to a Kafka cluster',
  'slipstream-topic-in': 'Consumes a Kafka topic',
  'slipstream-topic-out': 'Produces each message to a Kafka topic',
  'slipstream-handle': 'A slipstream handler',
  'slipstream-store': 'One RocksDB database',
  'slipstream-cache': 'Reads and writes a RocksDB store',
  'slipstream-checkpoint': 'Pauses a dependent stream',
};

/**
 * Browser messages from Node-RED itself that are not failures of this package,
 * each with the reason it is ignored. Everything else logged at `error` or `warning`
 * level, every exception from a node's editor code, every uncaught page error and
 * every failed request fails the test it happens in.
 */
const IGNORED: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  // The palette manager fetches the flow library's catalogue from the internet; the
  // settings below disable it, this is a second line for machines without a network.
  { pattern: /catalogue\.nodered\.org|Error loading catalog/, why: 'no internet access in tests' },
];

/** How Node-RED's editor logs an exception from a node definition's code. */
const EDITOR_CODE_FAILURE = /^(oneditprepare|oneditsave|oneditcancel|oneditresize|oneditdelete|Definition error)\b/;

function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

async function screenshot(target: Page | Locator, name: string): Promise<string> {
  fs.mkdirSync(screenshots, { recursive: true });
  const file = path.join(screenshots, `${name}.png`);
  await target.screenshot({ path: file });
  return file;
}

/** Node-RED settings for an editor under test: nothing (consent dialog, welcome tour, catalogue download) in front of it. */
const EDITOR_USER_DIR: UserDirOptions = {
  logLevel: 'info',
  settings: {
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false, palette: { catalogues: [] } },
  },
};

describe('the Node-RED editor in Chromium', function () {
  this.timeout(120_000);
  this.slow(30_000);

  let userDir: string | undefined;
  let red: RunningNodeRed | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  /** Problems seen in the browser during the current test. */
  let problems: string[] = [];

  before(async function () {
    const executablePath = chromiumPath();
    if (!fs.existsSync(executablePath)) {
      console.log(
        `    skipping the editor tests: no Chromium at ${executablePath}. ` +
          'Install it ("apt-get install -y chromium" on Debian; .ci/run does) or set CHROMIUM_PATH to a Chromium binary.',
      );
      this.skip();
    }
    // Failure pictures of an earlier run would mislead.
    if (fs.existsSync(screenshots)) {
      for (const file of fs.readdirSync(screenshots)) if (file.startsWith('failed-')) fs.rmSync(path.join(screenshots, file));
    }
    userDir = nodeRedUserDir([], EDITOR_USER_DIR);
    // Started side by side; each is kept as soon as it is up, so the after hook stops it even if the other fails.
    await Promise.all([
      startNodeRedEditor(userDir).then((running) => (red = running)),
      chromium.launch({
        executablePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-extensions'],
      }).then((launched) => (browser = launched)),
    ]);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => undefined);
    await red?.stop();
    // The user directory links this package in: rm removes the link, not what it points to.
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  /** A fresh editor page: each test starts from the deployed flows, not from another test's edits. */
  beforeEach(async () => {
    if (!red || !browser) throw new Error('Node-RED or Chromium did not start');
    problems = [];
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      const type = message.type();
      // Node-RED catches exceptions thrown by a node's editor code (oneditprepare, label, icon…)
      // and only console.log()s them: those count as errors too.
      if (type !== 'error' && type !== 'warning' && !(type === 'log' && EDITOR_CODE_FAILURE.test(message.text()))) return;
      const where = message.location();
      record(`console ${type}: ${message.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
    });
    page.on('pageerror', (error) => record(`page error: ${error.stack ?? error.message}`));
    page.on('requestfailed', (request) => record(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('response', (response) => {
      if (response.status() >= 400) record(`HTTP ${response.status()}: ${response.url()}`);
    });
    await openEditor(red.url);
  });

  async function openEditor(url: string): Promise<void> {
    await page.goto(url);
    await page.locator('#red-ui-palette-base-category-slipstream .red-ui-palette-node').first().waitFor({ timeout: 30_000 });
    // The editor is ready once its first workspace tab exists.
    await page.locator('#red-ui-workspace-tabs .red-ui-tab').first().waitFor();
  }

  function record(problem: string): void {
    if (IGNORED.some(({ pattern }) => pattern.test(problem))) return;
    problems.push(problem);
  }

  afterEach(async function () {
    const title = this.currentTest?.title ?? 'test';
    if (this.currentTest?.state === 'failed' && page) {
      const file = await screenshot(page, `failed-${title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
      if (file) console.log(`    screenshot of the failure: ${path.relative(root, file)}`);
    }
    await context?.close().catch(() => undefined);
    context = undefined;
  });

  /** A test that also fails when the browser reported a problem while it ran (checked after its own assertions). */
  function check(title: string, fn: () => Promise<void>): void {
    it(title, async () => {
      try {
        await fn();
      } catch (err) {
        // The browser's own report is often the cause: show it with the failed assertion.
        if (!problems.length || !(err instanceof Error)) throw err;
        const withReport = new Error(`${err.message}\nthe browser reported:\n  ${problems.join('\n  ')}`);
        withReport.stack = `${withReport.message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
        throw withReport;
      }
      if (problems.length) throw new Error(`the browser reported problems:\n  ${problems.join('\n  ')}`);
    });
  }

  // ---- helpers that act as a user would -------------------------------------------------

  function paletteNode(type: string): Locator {
    return page.locator(`#red-ui-palette-base-category-slipstream .red-ui-palette-node[data-palette-type="${type}"]`);
  }

  /** Drags a palette node onto the workspace at (x, y) of the chart; returns the new node's id. */
  async function dragToWorkspace(type: string, x: number, y: number): Promise<string> {
    const source = paletteNode(type);
    await source.scrollIntoViewIfNeeded();
    const from = await source.boundingBox();
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    if (!from || !chart) throw new Error(`palette node ${type} or the workspace is not visible`);
    const before = await nodeIds(type);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
    await page.mouse.up();
    let added: string[] = [];
    for (let i = 0; i < 50 && added.length === 0; i++) {
      added = (await nodeIds(type)).filter((id) => !before.includes(id));
      if (added.length === 0) await page.waitForTimeout(100);
    }
    should(added).have.length(1, `dragging ${type} from the palette added no node`);
    return added[0];
  }

  /** Ids of the nodes of `type` the editor holds (read from the editor's model). */
  function nodeIds(type: string): Promise<string[]> {
    return page.evaluate((t) => {
      const ids: string[] = [];
      const editor = (globalThis as unknown as { RED: { nodes: { eachNode(fn: (n: { id: string; type: string }) => void): void } } }).RED;
      editor.nodes.eachNode((n) => {
        if (n.type === t) ids.push(n.id);
      });
      return ids;
    }, type);
  }

  /** Opens the edit tray by double-clicking the node on the canvas. */
  async function openEditDialog(id: string): Promise<Locator> {
    await page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node`).dblclick();
    const tray = page.locator('.red-ui-tray').last();
    await tray.locator('.red-ui-tray-body').waitFor();
    return tray;
  }

  /** Clicks the tray's help button and checks the help sidebar shows `type`'s help. */
  async function expectHelp(tray: Locator, type: string): Promise<void> {
    await expectTranslated(tray, type);
    await tray.locator('.red-ui-tray-footer-left button:has(i.fa-book)').click();
    const help = page.locator('.red-ui-sidebar-help-stack .red-ui-help').first();
    await help.waitFor();
    await page.waitForFunction(
      ([selector, text]) => document.querySelector(selector)?.textContent?.includes(text) ?? false,
      ['.red-ui-sidebar-help-stack .red-ui-help', HELP[type]] as const,
      { timeout: 5_000 },
    ).catch(async () => {
      throw new Error(`the help sidebar does not show ${type}'s help; it shows: ${(await help.textContent())?.slice(0, 200)}`);
    });
    // Section headings of the help render (Inputs, Outputs, Details).
    should(await help.locator('h3').count()).be.above(0, `${type}'s help has no sections`);
  }

  /**
   * Every text of the dialog that comes from the message catalog (`data-i18n`: labels, options,
   * placeholders) shows its text: not empty, not the key (as when the catalog is not found).
   */
  async function expectTranslated(tray: Locator, type: string): Promise<void> {
    // The editor namespaces our keys: `node-red-contrib-slipstream/<set>:[placeholder]slipstream-….`
    const texts = await tray.locator('[data-i18n*=":slipstream-"], [data-i18n*="]slipstream-"], [data-i18n^="slipstream-"]').evaluateAll((elements) =>
      elements.map((el) => {
        const key = el.getAttribute('data-i18n') ?? '';
        const placeholder = key.includes('[placeholder]');
        return { key, text: (placeholder ? el.getAttribute('placeholder') : el.textContent)?.trim() ?? '' };
      }),
    );
    should(texts.length).be.above(0, `${type}'s dialog has no catalog texts`);
    const untranslated = texts.filter(({ key, text }) => text === '' || /slipstream-[\w-]+\.[\w.-]+$/.test(text) || key.endsWith(`:${text}`));
    should(untranslated).eql([], `${type}'s dialog shows catalog keys or nothing`);
  }

  /** How long the editor may take to show or hide something after a click. */
  const SETTLE_MS = 5_000;
  /** RED.tabs' double-click window (400 ms), and a margin. */
  const TAB_DOUBLE_CLICK_MS = 450;

  async function expectVisible(locator: Locator, what: string): Promise<void> {
    await locator.waitFor({ state: 'visible', timeout: SETTLE_MS }).catch(() => undefined);
    should(await locator.isVisible()).be.true(`${what} is not visible`);
  }

  async function expectHidden(locator: Locator, what: string): Promise<void> {
    await locator.waitFor({ state: 'hidden', timeout: SETTLE_MS }).catch(() => undefined);
    should(await locator.isVisible()).be.false(`${what} is visible but should be hidden`);
  }

  /** A code editor that is shown with a size one can type in (not collapsed to a few pixels). */
  async function expectUsableEditor(container: Locator, what: string): Promise<void> {
    const editor = container.locator('.monaco-editor, .ace_editor').first();
    await editor.waitFor();
    await page.waitForTimeout(200); // layout after showing
    const box = await editor.boundingBox();
    should(box && box.width > 200 && box.height > 80).be.true(`${what} editor is ${box ? `${Math.round(box.width)}×${Math.round(box.height)} px` : 'not laid out'}`);
  }

  async function expectFields(tray: Locator, prefix: string, fields: string[]): Promise<void> {
    for (const field of fields) await expectVisible(tray.locator(`#${prefix}-${field}`), `#${prefix}-${field}`);
  }

  /** The typedInput widget that replaced `#id`. */
  function typedInput(tray: Locator, id: string): Locator {
    return tray.locator(`#${id} + .red-ui-typedInput-container`);
  }

  async function cancel(button: 'node-dialog-cancel' | 'node-config-dialog-cancel'): Promise<void> {
    await page.locator(`#${button}`).click();
    await page.locator(`#${button}`).waitFor({ state: 'hidden' });
  }

  /** Menu › Import › Examples › node-red-contrib-slipstream › `example`, then Import. */
  async function importExample(example: string): Promise<void> {
    await page.locator('#red-ui-header-button-sidemenu').click();
    await page.locator('#menu-item-import').click();
    await page.locator('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a').click();
    const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tree.locator('.red-ui-treeList-label', { hasText: PACKAGE }).click();
    // The example's entry in the package's folder (other packages may have one of the same name).
    const entry = tree.locator(
      `xpath=//span[@class="red-ui-treeList-label-text" and text()="${PACKAGE}"]/ancestor::li[1]//span[@class="red-ui-treeList-label-text" and text()="${example}"]`,
    );
    await entry.waitFor({ timeout: 5_000 }).catch(async () => {
      const offered = await tree.locator('.red-ui-treeList-label-text').allTextContents();
      throw new Error(`Import › Examples › ${PACKAGE} does not offer "${example}"; it shows: ${offered.join(', ')}`);
    });
    await entry.click();
    await page.locator('#red-ui-clipboard-dialog-ok:not([disabled])').click();
    await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
    // The editor says "Imported: …" a moment later (on a loaded machine, after a dismissNotifications() would have looked).
    await page.locator('#red-ui-notifications .red-ui-notification', { hasText: /Imported/ }).waitFor({ timeout: 15_000 });
  }

  /** Closes the editor's notifications (e.g. "Imported: …") by clicking them, as a user would. */
  async function dismissNotifications(): Promise<void> {
    const notes = page.locator('#red-ui-notifications .red-ui-notification');
    for (let i = await notes.count(); i > 0; i--) await notes.first().click().catch(() => undefined);
    await page.waitForFunction(() => document.querySelectorAll('#red-ui-notifications .red-ui-notification').length === 0, undefined, { timeout: 15_000 });
  }

  /** Shows the workspace tab whose label matches `label`. */
  async function showTab(label: RegExp): Promise<void> {
    const tab = page.locator('#red-ui-workspace-tabs .red-ui-tab', { hasText: label }).first();
    await tab.waitFor({ timeout: 5_000 }).catch(async () => {
      const tabs = await page.locator('#red-ui-workspace-tabs .red-ui-tab').allTextContents();
      throw new Error(`no flow tab matches ${label}; the tabs are: ${tabs.join(', ')}`);
    });
    await clickTab(tab);
    await page.waitForTimeout(300); // the canvas redraws
  }

  /**
   * Activates a tab of a RED.tabs bar (`tab`: its `li`). RED.tabs takes a click that comes
   * within 400 ms of the previous click on the same bar for a double-click and does not switch
   * (a fast run lost the handle dialog's Setup tab that way), so that time is waited out first.
   */
  async function clickTab(tab: Locator): Promise<void> {
    await page.waitForTimeout(TAB_DOUBLE_CLICK_MS);
    await tab.locator('a.red-ui-tab-label').click();
    await tab.and(page.locator('.active')).waitFor({ timeout: SETTLE_MS });
  }

  // ---- the tests -----------------------------------------------------------------------

  check('shows the five flow nodes in the slipstream palette category, with icons', async () => {
    const category = page.locator('#red-ui-palette-container-slipstream');
    await category.scrollIntoViewIfNeeded();
    await expectVisible(page.locator('#red-ui-palette-header-slipstream', { hasText: 'slipstream' }), 'the slipstream category header');
    const shown = await category.locator('.red-ui-palette-node').evaluateAll((nodes) =>
      nodes.map((n) => [n.getAttribute('data-palette-type'), (n.textContent ?? '').replace(/\s+/g, ' ').trim()]),
    );
    should(shown).eql(FLOW_NODES.map(([type, label]) => [type, label]));
    for (const [type] of FLOW_NODES) {
      const node = paletteNode(type);
      await expectVisible(node, `palette node ${type}`);
      // Each node has its icon: an image (a 404 would be recorded as a problem) or a font-awesome glyph.
      const icon = await node.locator('.red-ui-palette-icon-container').evaluate((el) => ({
        name: el.getAttribute('data-palette-icon') ?? '',
        image: el.querySelector('.red-ui-palette-icon') ? getComputedStyle(el.querySelector('.red-ui-palette-icon')!).backgroundImage : '',
        glyph: el.querySelector('i.fa') ? getComputedStyle(el.querySelector('i.fa')!, '::before').content : '',
      }));
      should(icon.name).endWith(ICONS[type], `palette node ${type} shows icon ${icon.name}`);
      if (icon.name.startsWith('font-awesome/')) should(icon.glyph).not.be.oneOf('', 'none', 'normal');
      else should(icon.image).match(/^url\(/);
    }
    // The config nodes are not in the palette: they are offered from their users' dialogs.
    should(await page.locator('.red-ui-palette-node[data-palette-type="slipstream-kafka"], .red-ui-palette-node[data-palette-type="slipstream-store"]').count()).equal(0);

    await screenshot(category, 'palette');
    await screenshot(page, 'palette-editor');
  });

  check('the palette filter "kafka" finds the two topic nodes', async () => {
    await page.locator('#red-ui-palette-search input').pressSequentially('kafka');
    const visible = page.locator('#red-ui-palette-container .red-ui-palette-node:visible');
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('#red-ui-palette-container .red-ui-palette-node')).filter((n) => (n as HTMLElement).offsetParent).length === 2,
      undefined,
      { timeout: 5_000 },
    ).catch(async () => {
      throw new Error(`filtering the palette for "kafka" shows: ${(await visible.allTextContents()).map((t) => t.trim()).join(', ') || 'nothing'}`);
    });
    const shown = await visible.evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-palette-type'), (n.textContent ?? '').replace(/\s+/g, ' ').trim()]));
    should(shown).eql(FLOW_NODES.slice(0, 2).map(([type, label]) => [type, label]));
    await screenshot(page.locator('#red-ui-palette'), 'palette-filter-kafka');
  });

  check("labels topic-in's control input on the canvas", async () => {
    const id = await dragToWorkspace('slipstream-topic-in', 200, 100);
    await page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"] g.red-ui-flow-port-input rect`).hover();
    const tooltip = page.locator('.red-ui-flow-port-tooltip');
    await tooltip.waitFor({ timeout: 5_000 });
    should(await tooltip.textContent()).match(/^control: msg\.action pause \/ resume \/ seek/);
  });

  check("opens every flow node's edit dialog with its fields and its help", async () => {
    const ids: Record<string, string> = {};
    for (const [i, [type]] of FLOW_NODES.entries()) ids[type] = await dragToWorkspace(type, 160 + (i % 2) * 220, 80 + i * 70);

    // topic in: the offset row shows only for "offset, on every deploy".
    let tray = await openEditDialog(ids['slipstream-topic-in']);
    await expectFields(tray, 'node-input', ['broker', 'topic', 'groupId', 'start', 'codec', 'maxInFlight', 'onFailure', 'name']);
    await expectHidden(tray.locator('#node-input-offset'), 'the offset of topic in (start: committed)');
    await tray.locator('#node-input-start').selectOption('offset');
    await expectVisible(tray.locator('#node-input-offset'), 'the offset of topic in (start: offset)');
    await expectHelp(tray, 'slipstream-topic-in');
    await cancel('node-dialog-cancel');

    tray = await openEditDialog(ids['slipstream-topic-out']);
    await expectFields(tray, 'node-input', ['broker', 'topic', 'codec', 'acks', 'compression', 'name']);
    should(await tray.locator('#node-input-broker option:checked').textContent()).equal('Add new slipstream-kafka...');
    should(await tray.locator('#node-input-compression option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).eql(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    await expectHelp(tray, 'slipstream-topic-out');
    await cancel('node-dialog-cancel');

    // topic out's acknowledgement output: off by default; the checkbox gives the node one output, and takes it away.
    const outputPorts = page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${ids['slipstream-topic-out']}"] g.red-ui-flow-port-output`);
    should(await outputPorts.count()).equal(0);
    for (const [checked, ports] of [[true, 1], [false, 0]] as const) {
      tray = await openEditDialog(ids['slipstream-topic-out']);
      should(await tray.locator('#node-input-ack-output').isChecked()).equal(!checked);
      await tray.locator('#node-input-ack-output').setChecked(checked);
      await page.locator('#node-dialog-ok').click();
      await page.locator('#node-dialog-ok').waitFor({ state: 'hidden' });
      should(await outputPorts.count()).equal(ports, `topic out with the acknowledgement output ${checked ? 'on' : 'off'}`);
    }

    // handle: three tabs; On Message holds a code editor with the default body.
    tray = await openEditDialog(ids['slipstream-handle']);
    await expectFields(tray, 'node-input', ['name']);
    const tabs = await tray.locator('#node-input-handle-tabs .red-ui-tab').allTextContents();
    should(tabs.map((t) => t.trim())).eql(['Setup', 'On Start', 'On Message']);
    const body = tray.locator('#node-input-handle-func-editor');
    await expectVisible(body, 'the On Message code editor');
    await body.locator('.monaco-editor, .ace_editor').first().waitFor();
    should(await body.textContent()).match(/yield/);
    await expectUsableEditor(body, 'the On Message code');
    await clickTab(tray.locator('#node-input-handle-tabs .red-ui-tab', { hasText: 'On Start' }));
    await expectUsableEditor(tray.locator('#node-input-handle-init-editor'), 'the On Start code');
    await screenshot(page, 'dialog-handle-on-start');
    await clickTab(tray.locator('#node-input-handle-tabs .red-ui-tab', { hasText: 'Setup' }));
    await expectFields(tray, 'node-input', ['timeout']);
    await expectVisible(tray.locator('.node-input-stores-container-row .red-ui-editableList'), 'the Stores list');
    await expectHidden(body, 'the On Message code editor on the Setup tab');
    await expectHelp(tray, 'slipstream-handle');
    await cancel('node-dialog-cancel');

    // cache: typed inputs for key and value; query and update rows follow the operation.
    tray = await openEditDialog(ids['slipstream-cache']);
    await expectFields(tray, 'node-input', ['store', 'columnFamily', 'operation', 'name']);
    await expectVisible(typedInput(tray, 'node-input-key'), 'the key typed input');
    await expectVisible(typedInput(tray, 'node-input-value'), 'the value typed input');
    await expectHidden(tray.locator('#node-input-limit'), 'the query limit (operation: get)');
    await expectHidden(tray.locator('#node-input-update-editor'), 'the update function (operation: get)');
    await tray.locator('#node-input-operation').selectOption('query');
    await expectFields(tray, 'node-input', ['query', 'backwards', 'limit', 'split']);
    await expectVisible(typedInput(tray, 'node-input-prefix'), 'the prefix typed input');
    await expectVisible(typedInput(tray, 'node-input-fromKey'), 'the from-key typed input');
    await tray.locator('#node-input-operation').selectOption('update');
    await expectVisible(tray.locator('#node-input-update-editor'), 'the update function (operation: update)');
    await expectUsableEditor(tray.locator('#node-input-update-editor'), 'the update function');
    await screenshot(page, 'dialog-cache-update');
    await expectHidden(tray.locator('#node-input-limit'), 'the query limit (operation: update)');
    await tray.locator('#node-input-operation').selectOption('delete');
    await expectHidden(typedInput(tray, 'node-input-value'), 'the value (operation: delete)');
    await expectHelp(tray, 'slipstream-cache');
    await cancel('node-dialog-cancel');

    // checkpoint: one dependency row by default, a typed input for the event time.
    tray = await openEditDialog(ids['slipstream-checkpoint']);
    await expectFields(tray, 'node-input', ['stateProperty', 'store', 'reprocess', 'name']);
    await expectVisible(tray.locator('.node-input-dependencies-container-row .red-ui-editableList'), 'the Dependencies list');
    await expectVisible(typedInput(tray, 'node-input-marker'), 'the event time typed input');
    const dependency = tray.locator('#node-input-dependencies-container .node-input-dep-name');
    should(await dependency.count()).equal(1);
    should(await dependency.inputValue()).equal('dependency');
    const unit = tray.locator('#node-input-dependencies-container .node-input-dep-unit');
    should(await unit.inputValue()).equal('min');
    // A dependency is one line: name, "down after", threshold, unit.
    const [nameBox, unitBox] = [await dependency.boundingBox(), await unit.boundingBox()];
    should(nameBox && unitBox && Math.abs(nameBox.y + nameBox.height / 2 - (unitBox.y + unitBox.height / 2)) < 5).be.true(
      'the dependency row wraps: its unit is not on the line of its name',
    );
    // Offers a store, optional here.
    await expectVisible(tray.locator('#node-input-btn-store-add'), "the checkpoint's add-store button");
    await screenshot(page, 'dialog-checkpoint');
    await expectHelp(tray, 'slipstream-checkpoint');
    await cancel('node-dialog-cancel');

    await screenshot(page, 'dialogs-workspace');
  });

  check('offers the two config nodes from their users\' dialogs and opens their own dialogs', async () => {
    const topicIn = await dragToWorkspace('slipstream-topic-in', 200, 100);
    const cache = await dragToWorkspace('slipstream-cache', 200, 200);

    // slipstream-kafka, from topic in's Broker select.
    let tray = await openEditDialog(topicIn);
    const broker = tray.locator('#node-input-broker');
    should(await broker.locator('option:checked').textContent()).equal('Add new slipstream-kafka...');
    await tray.locator('#node-input-btn-broker-add').click();
    let config = page.locator('.red-ui-tray').last();
    await config.locator('#node-config-input-brokers').waitFor();
    await expectFields(config, 'node-config-input', ['name', 'brokers', 'clientId', 'connectionTimeout', 'usetls', 'saslMechanism']);
    // The address is validated as it is typed: host:port, comma separated, or ${ENV}.
    const brokersField = config.locator('#node-config-input-brokers');
    const addresses: Array<[string, boolean]> = [['', false], ['localhost', false], ['a:9092,b:99999', false], ['${KAFKA_BROKERS}', true], ['127.0.0.1:9092, kafka:19092', true]];
    for (const [value, valid] of addresses) {
      await brokersField.fill(value);
      await brokersField.dispatchEvent('change');
      const marked = await brokersField.evaluate((el) => el.classList.contains('input-error'));
      should(marked).equal(!valid, `brokers "${value}" should be marked ${valid ? 'valid' : 'invalid'}`);
    }
    await brokersField.fill('127.0.0.1:9092');
    await brokersField.dispatchEvent('change');
    await expectHidden(config.locator('#node-config-row-tls'), 'the TLS config row (TLS off)');
    await expectHidden(config.locator('#node-config-input-username'), 'the SASL username (SASL none)');
    await config.locator('#node-config-input-usetls').check();
    await expectVisible(config.locator('#node-config-row-tls'), 'the TLS config row (TLS on)');
    // The TLS row is itself a config-node select, for a core tls-config node.
    should(await config.locator('#node-config-input-tls option').allTextContents()).containEql('Add new tls-config...');
    await config.locator('#node-config-input-saslMechanism').selectOption('scram-sha-256');
    await expectFields(config, 'node-config-input', ['username', 'password']);
    should(await config.locator('#node-config-input-password').getAttribute('type')).equal('password');
    await expectHelp(config, 'slipstream-kafka');
    await screenshot(page, 'kafka-dialog');
    // Add it: the user's select now holds the new config node.
    await config.locator('#node-config-input-name').fill('e2e broker');
    await config.locator('#node-config-input-saslMechanism').selectOption('none');
    await page.locator('#node-config-dialog-ok').click();
    await config.locator('#node-config-input-brokers').waitFor({ state: 'detached' });
    should(await broker.locator('option:checked').textContent()).equal('e2e broker');
    await cancel('node-dialog-cancel');

    // slipstream-store, from cache's Store select.
    tray = await openEditDialog(cache);
    should(await tray.locator('#node-input-store option:checked').textContent()).equal('Add new slipstream-store...');
    await tray.locator('#node-input-btn-store-add').click();
    config = page.locator('.red-ui-tray').last();
    await config.locator('#node-config-input-path').waitFor();
    await expectFields(config, 'node-config-input', ['name', 'path', 'preset', 'columnFamilies']);
    should(await config.locator('#node-config-input-path').inputValue()).equal('slipstream-store');
    await expectHelp(config, 'slipstream-store');
    await screenshot(page, 'store-dialog');
    await cancel('node-config-dialog-cancel');
    await cancel('node-dialog-cancel');
  });

  check('imports the showcase flows (examples/all-examples.json) and shows the Synchronization tab', async () => {
    await importExample('all-examples');
    await showTab(/synchroni[sz]ation/i);
    const onCanvas = await page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group').count();
    should(onCanvas).be.above(3, 'the Synchronization tab is (nearly) empty');
    // Our nodes render with their labels (no "unknown" type).
    should(await page.locator('#red-ui-workspace-chart .red-ui-flow-node-unknown').count()).equal(0);
    const types = await page.evaluate(() => {
      const editor = (globalThis as unknown as {
        RED: { workspaces: { active(): string }; nodes: { eachNode(fn: (n: { type: string; z: string }) => void): void } };
      }).RED;
      const active = editor.workspaces.active();
      const found = new Set<string>();
      editor.nodes.eachNode((n) => {
        if (n.z === active) found.add(n.type);
      });
      return [...found];
    });
    should(types).containEql('slipstream-checkpoint');
    should(types).containEql('slipstream-topic-in');
    await dismissNotifications();
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    if (!chart) throw new Error('the workspace is not visible');
    await page.mouse.move(chart.x + chart.width - 40, chart.y + chart.height - 40); // empty canvas: nothing hovered in the picture
    await screenshot(page, 'synchronization-editor');
    // The flow alone: the nodes' bounding box with a margin, within the visible canvas.
    const boxes = await page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group').evaluateAll((nodes) =>
      nodes.map((n) => {
        const r = n.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      }),
    );
    const margin = 20;
    const left = Math.max(chart.x, Math.min(...boxes.map((b) => b.left)) - margin);
    const top = Math.max(chart.y, Math.min(...boxes.map((b) => b.top)) - margin);
    const right = Math.min(chart.x + chart.width, Math.max(...boxes.map((b) => b.right)) + margin);
    const bottom = Math.min(chart.y + chart.height, Math.max(...boxes.map((b) => b.bottom)) + margin);
    fs.mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, 'synchronization.png'), clip: { x: left, y: top, width: right - left, height: bottom - top } });
  });

  check('on the Temporal join tab no node and no status overlaps another, deployed and with the longest statuses', async () => {
    // The later tests start from the deployed flows: they get these back.
    const deployed = await (await fetch(`${red!.url}flows`)).text();
    try {
      await checkTemporalJoinLayout();
    } finally {
      const restored = await fetch(`${red!.url}flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: deployed });
      should(restored.ok).be.true(`the flows deployed before this test could not be restored: HTTP ${restored.status}`);
    }
  });

  async function checkTemporalJoinLayout(): Promise<void> {
    await importExample('all-examples');
    await dismissNotifications();
    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification', { hasText: /Successfully deployed/ }).waitFor({ timeout: 15_000 });
    await showTab(/temporal join/i);
    // The nodes that report a status: topic in/out, the cache, the handle bound to the store.
    const reporting = '#red-ui-workspace-chart g.red-ui-flow-node-group:has(.red-ui-flow-node-status-group[style*="inline"])';
    await page.waitForFunction((selector) => document.querySelectorAll(selector).length >= 6, reporting, { timeout: 30_000 }).catch(async () => {
      throw new Error(`only ${await page.locator(reporting).count()} nodes of the Temporal join tab show a status, 6 should`);
    });
    should(await overlaps()).eql([], 'with the statuses of the deployed flow');
    await screenshot(page, 'temporal-join-deployed');
    // Statuses are cut at 60 characters: the longest any node shows, as the editor draws a status from the runtime.
    await page.evaluate((text) => {
      const editor = (globalThis as unknown as {
        RED: { workspaces: { active(): string }; nodes: { eachNode(fn: (n: Record<string, unknown>) => void): void }; view: { redrawStatus(n: unknown): void } };
      }).RED;
      editor.nodes.eachNode((n) => {
        if (n.z !== editor.workspaces.active() || !n.status) return;
        Object.assign(n, { status: { fill: 'red', shape: 'ring', text }, dirtyStatus: true, dirty: true });
        editor.view.redrawStatus(n);
      });
    }, 'Failed to connect: Connection error: connect ECONNREFUSED 1…');
    should(await overlaps()).eql([], 'with 60-character statuses');
    await screenshot(page, 'temporal-join-longest-statuses');
  }

  /** Pairs of nodes on the shown tab whose bodies or statuses overlap, e.g. "status of kafka in × cache". */
  function overlaps(): Promise<string[]> {
    return page.evaluate(() => {
      const parts: Array<{ node: string; what: string; box: DOMRect }> = [];
      for (const group of Array.from(document.querySelectorAll('#red-ui-workspace-chart g.red-ui-flow-node-group'))) {
        const name = group.querySelector('.red-ui-flow-node-label')?.textContent?.trim() || group.id;
        const body = group.querySelector('rect.red-ui-flow-node');
        if (body) parts.push({ node: group.id, what: name, box: body.getBoundingClientRect() });
        const status = group.querySelector('g.red-ui-flow-node-status-group') as SVGGElement | null;
        if (status && status.style.display !== 'none' && status.getBoundingClientRect().width > 0) {
          parts.push({ node: group.id, what: `status of ${name}`, box: status.getBoundingClientRect() });
        }
      }
      const cross = (a: DOMRect, b: DOMRect): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      const found: string[] = [];
      for (const [i, a] of parts.entries()) {
        for (const b of parts.slice(i + 1)) if (a.node !== b.node && cross(a.box, b.box)) found.push(`${a.what} × ${b.what}`);
      }
      return found;
    });
  }

  check('imports the Hello example through Import › Examples, deploys it and shows its output in the debug sidebar', async () => {
    await importExample('hello');
    await showTab(/hello/i);
    const handles = await nodeIds('slipstream-handle');
    should(handles.length).be.above(0, 'the Hello example has no slipstream-handle node');
    await page.locator('#red-ui-header-button-deploy').click();
    // A deploy that needs confirming (invalid or unknown nodes) would show this dialog.
    await page.locator('.red-ui-notification', { hasText: /Successfully deployed/ }).waitFor({ timeout: 15_000 }).catch(async () => {
      const notes = await page.locator('.red-ui-notification').allTextContents();
      throw new Error(`the deploy did not succeed; notifications: ${notes.join(' | ') || 'none'}`);
    });
    await page.locator('#red-ui-tab-debug-link-button').click();
    // examples/hello.json: the inject node sends "🏆📞🐟👌" once; the handle node yields one greeting per emoji.
    const expected = ['Hello 🏆!', 'Hello 📞!', 'Hello 🐟!', 'Hello 👌!'];
    const messages = page.locator('#red-ui-sidebar-content .red-ui-debug-msg');
    await messages.nth(expected.length - 1).waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`expected ${expected.length} messages in the debug sidebar; it shows: ${(await messages.allTextContents()).join(' | ') || 'nothing'}`);
    });
    await page.waitForTimeout(300); // nothing more should come
    const payloads = await messages.locator('.red-ui-debug-msg-payload').allTextContents();
    should(payloads.map((p) => p.trim())).eql(expected.map((e) => JSON.stringify(e)));
    const names = await messages.locator('.red-ui-debug-msg-name').allTextContents();
    should(names.every((n) => /Hello output/.test(n))).be.true(`messages from other nodes: ${names.join(', ')}`);
    should(await page.locator('#red-ui-sidebar-content .red-ui-debug-msg-level-error').count()).equal(0);
    await screenshot(page, 'hello-deployed');
  });

  check('a first run without KAFKA_BROKERS: the examples deploy, each topic node says there is no broker address, no retries reach the debug sidebar', async () => {
    const env = { ...process.env };
    delete env.KAFKA_BROKERS;
    const dir = nodeRedUserDir([], EDITOR_USER_DIR);
    const firstRun = await startNodeRedEditor(dir, 60_000, env);
    try {
      await openEditor(firstRun.url);
      await importExample('all-examples');
      await dismissNotifications();
      await page.locator('#red-ui-header-button-deploy').click();
      await page.locator('.red-ui-notification', { hasText: /Successfully deployed/ }).waitFor({ timeout: 15_000 });
      await page.locator('#red-ui-tab-debug-link-button').click();
      await showTab(/kafka produce and consume/i);
      const statuses = page.locator('#red-ui-workspace-chart .red-ui-flow-node-status-label');
      await page.waitForFunction(
        () => Array.from(document.querySelectorAll('#red-ui-workspace-chart .red-ui-flow-node-status-label')).filter((s) => /^no broker address/.test(s.textContent ?? '')).length >= 2,
        undefined,
        { timeout: 30_000 },
      ).catch(async () => {
        throw new Error(`the topic nodes do not say there is no broker address; statuses: ${(await statuses.allTextContents()).join(' | ') || 'none'}`);
      });
      should((await statuses.allTextContents()).filter((text) => /Port should be|Failed to connect/.test(text))).eql([]);
      await page.waitForTimeout(5_000); // what kafkajs retries would have sent in that time
      const debug = await page.locator('#red-ui-sidebar-content .red-ui-debug-msg').allTextContents();
      should(debug.filter((text) => /kafkajs|retr(y|ies)|Port should be|Failed to connect/i.test(text))).eql([]);
      // Errors: the broker node's one, naming the problem, and each message a topic-out had to refuse (to Catch nodes).
      const errors = await page.locator('#red-ui-sidebar-content .red-ui-debug-msg-level-error').allTextContents();
      should(errors.filter((text) => !/no broke/.test(text))).eql([]);
      should(debug.filter((text) => /slipstream-kafka: no broker address/.test(text))).have.length(1);
      await screenshot(page, 'first-run-without-kafka-brokers');
    } finally {
      await page.goto('about:blank'); // the editor's connection goes before its server does
      await firstRun.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
