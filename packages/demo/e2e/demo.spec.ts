import { expect, test } from './fixtures.js';

/**
 * Checked by hand (use-lite q8, this corpus): the top hit is George W. Bush, 2007, "States that
 * make basic private health insurance available to all their citizens should receive Federal
 * funds…" (cosine 0.755; the runner-up, Biden 2021 "Healthcare should be a right", 0.645).
 */
const QUERY = 'affordable health insurance for every family';
const EXPECTED_TOP = '2007-george-w-bush-49';
const PASSAGES = 252;
/** sotu-gen's greedy continuation (packages/demo/scripts/generativeModel/README.md): 15 words and the end-of-text token. */
const GREEDY_PROMPT = 'Tonight, I ask';
const GREEDY_TEXT = ' this Congress to reauthorize and reform trade adjustment assistance so we can do it.';

test('the main view loads, runs and cancels tasks with priorities, deadlines and dependencies, warms use-lite up, and stays on its origin', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');

  // While the model loads (seconds), an embedding task with a priority and a deadline waits for
  // it; a second task depends on it. Cancelling the first cancels the second too.
  await page.getByLabel('Task type').selectOption('EmbeddingGeneration');
  await page.getByLabel('Priority').selectOption({ label: 'High' });
  await page.getByLabel('Deadline in seconds from now').fill('120');
  await page.getByRole('button', { name: 'Submit' }).click();
  // The submit resolves once the task is durable: wait for the form to say so before reading it.
  await expect(page.getByTestId('submit-status')).toHaveText(/Submitted \w{8}/);
  const first = (await page.getByTestId('submit-status').textContent())?.match(/Submitted (\w{8})/)?.[1];
  expect(first).toBeTruthy();
  await page.getByLabel('Task type').selectOption('custom:topWords');
  await page.getByLabel('Deadline in seconds from now').fill('');
  await page.getByLabel('Dependencies').focus();
  const firstId = await page.locator('select[name=dependencies] option', { hasText: first! }).getAttribute('value');
  await page.getByLabel('Dependencies').selectOption(firstId!);
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByTestId('submit-status')).not.toContainText(first!);
  await page.getByRole('button', { name: `Cancel ${first}` }).click();
  const table = page.locator('[data-testid=task-table] tbody');
  await expect(table.locator(`tr[data-task="${firstId}"]`)).toContainText('Cancelled');
  await expect(table.locator('tr').first()).toContainText('dependency-failed');
  await expect(table.locator('tr').first()).toContainText('Cancelled');

  await expect(page.locator('body')).toHaveAttribute('data-warm', 'done');
  // Two workers, each with the model loaded and the backend it uses.
  const workers = page.locator('[data-testid=workers] article');
  await expect(workers).toHaveCount(2);
  for (const worker of await workers.all()) await expect(worker).toContainText('use-lite');
  await expect(page.locator('[data-model=use-lite]').first()).toHaveJSProperty('value', 1);
  // No WebGPU adapter without --enable-unsafe-webgpu: the page says WASM is used.
  await expect(page.locator('[data-notice=backend]')).toContainText('WebAssembly');
  await expect(page.locator('[data-notice=model-missing]')).toHaveCount(0);

  // A task of the demo's custom type, submitted from the form.
  await page.getByLabel('Task type').selectOption('custom:topWords');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.locator('[data-testid=task-table] tbody tr').first()).toContainText('Completed');
  await expect(page.locator('[data-testid=task-table] tbody tr').first()).toContainText('{"the":4,"dog":2,"fox":2');

  const shot = testInfo.outputPath('main-view.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('main-view', { path: shot, contentType: 'image/png' });
});

test('the task table keeps its rows under the pointer; the table and queue counters survive a reload', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  const rows = page.locator('[data-testid=task-table] tbody tr');
  const submit = page.getByRole('button', { name: 'Submit' });
  await page.getByLabel('Copies').fill('3');
  await submit.click();
  await expect(rows).toHaveCount(3);
  await expect(page.locator('[data-status=Completed]')).toHaveText('3');
  const before = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')));
  // The pointer rests on a row; three more tasks come (submitted from the keyboard).
  await rows.nth(1).hover();
  await submit.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('task-count')).toContainText('3 newer tasks will show when the pointer leaves the table');
  await expect(page.locator('[data-status=Completed]')).toHaveText('6');
  expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')))).toEqual(before);
  await page.mouse.move(2, 2);
  await expect(rows).toHaveCount(6);
  expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')))).slice(3)).toEqual(before);
  // The workers' lines say what is true now: the tokenizer files fetched after use-lite was ready
  // do not leave it "loading".
  await expect(page.locator('body')).toHaveAttribute('data-warm', 'done');
  await expect(page.getByTestId('workers')).toContainText('use-lite ready');
  await expect(page.getByTestId('workers')).not.toContainText('loading');
  // The whole table fits a 1,280 px window: nothing to scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.locator('[data-status=Completed]')).toHaveText('6');
  await expect(rows).toHaveCount(6);

  // The devtools panel (its code loads on open) lists the same six tasks from the store.
  await page.getByRole('button', { name: 'Open taskweave devtools' }).click();
  await expect(page.locator('tr[data-task-id]')).toHaveCount(6);
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')));
  expect(await page.locator('tr[data-task-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task-id')))).toEqual(ids);
});

test('the corpus is chunked, embedded and stored with a progress bar; a reload mid-run resumes; search ranks the right passage first', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await page.getByTestId('load-corpus').click();
  // Mid-run: the storage task has committed some chunks of 10, not all; the bar shows its progress.
  const bar = page.getByTestId('ingest-bar');
  await page.waitForFunction((total) => {
    const m = /^(\d+) of (\d+) documents stored/.exec(document.querySelector('[data-testid=ingest-progress]')?.textContent ?? '');
    return m !== null && Number(m[2]) === total && Number(m[1]) >= 20;
  }, PASSAGES);
  await expect(bar).toHaveJSProperty('max', PASSAGES);
  const midway = await bar.evaluate((el: HTMLProgressElement) => el.value);
  expect(midway).toBeGreaterThanOrEqual(20);
  expect(midway).toBeLessThan(PASSAGES);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.locator('[data-notice=resumed]')).toContainText(/Resumed after the reload: \d+ pending tasks queued again/);
  // The page follows the resumed task again, and its bar reaches the total.
  await expect(page.getByTestId('ingest-progress')).toHaveText(`${PASSAGES} of ${PASSAGES} documents stored.`);
  await expect(bar).toHaveJSProperty('value', PASSAGES);
  // Every remaining task ends, none fails.
  await expect(page.locator('[data-status=Pending]')).toHaveText('0');
  await expect(page.locator('[data-status=Running]')).toHaveText('0');
  await expect(page.locator('[data-status=Failed]')).toHaveText('0');
  await page.getByTestId('count-stored').click();
  await expect(page.getByTestId('stored-count')).toHaveText(`${PASSAGES} passages in “sotu”`);

  await page.getByLabel('Search query').fill(QUERY);
  await page.getByRole('button', { name: 'Search' }).click();
  const hits = page.locator('[data-testid=hits] li');
  await expect(hits).toHaveCount(5);
  await expect(hits.first()).toHaveAttribute('data-hit', EXPECTED_TOP);

  const shot = testInfo.outputPath('search-after-reload.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('search-after-reload', { path: shot, contentType: 'image/png' });
});

test('the generation panel streams the greedy continuation token by token, then says how it finished', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  const panel = page.locator('#generate');
  const generated = panel.getByTestId('generated-text');
  const status = panel.getByTestId('generation-status');
  await expect(panel.getByLabel('Prompt')).toHaveValue(GREEDY_PROMPT);
  await panel.getByLabel('Max new tokens').fill('40');
  await expect(panel.getByLabel('sample')).not.toBeChecked();
  // Every change of the output, with whether Stop was enabled then, recorded in the page so no
  // state between two polls is missed.
  await page.evaluate(() => {
    const output = document.querySelector('#generate [data-testid=generated-text]')!;
    const stop = [...document.querySelectorAll<HTMLButtonElement>('#generate button')].find((b) => b.textContent === 'Stop')!;
    const seen: { text: string; stopEnabled: boolean }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => seen.push({ text: output.textContent ?? '', stopEnabled: !stop.disabled })).observe(output, { childList: true, characterData: true, subtree: true });
  });
  await panel.getByRole('button', { name: 'Generate' }).click();
  await expect(status).toHaveAttribute('data-state', 'done');
  expect(await generated.textContent()).toBe(GREEDY_TEXT);
  await expect(status).toHaveAttribute('data-finish', 'stop');
  await expect(status).toContainText(/^Finished \(stop: end of text\) · 16 tokens · [\d.]+ tokens\/s · first token after [\d.]+ s$/);
  await expect(panel.getByRole('button', { name: 'Stop' })).toBeDisabled();
  await expect(panel.getByRole('button', { name: 'Generate' })).toBeEnabled();
  const seen = await page.evaluate(() => (window as unknown as { seen: { text: string; stopEnabled: boolean }[] }).seen);
  // Tokens arrived in order, and were on the page while the task still ran (Stop enabled).
  const shown = seen.filter((s) => s.text !== '');
  expect(shown.length).toBeGreaterThan(0);
  for (const s of shown) expect(GREEDY_TEXT.startsWith(s.text)).toBe(true);
  expect(shown.some((s) => s.stopEnabled)).toBe(true);
});

test('Stop ends a long generation within a token: the text so far stays and the panel says Cancelled', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  const panel = page.locator('#generate');
  const generated = panel.getByTestId('generated-text');
  const status = panel.getByTestId('generation-status');
  await panel.getByLabel('Prompt').fill('If you');
  await panel.getByLabel('Max new tokens').fill('1000');
  await panel.getByRole('button', { name: 'Generate' }).click();
  const stop = panel.getByRole('button', { name: 'Stop' });
  // Partial text on the page while it still runs.
  await expect(generated).toContainText("haven't been personally affected");
  await expect(stop).toBeEnabled();
  await expect(status).toHaveAttribute('data-state', 'running');
  await stop.click();
  await expect(status).toHaveAttribute('data-state', 'cancelled');
  const m = /^Stopped \(Cancelled\) after (\d+) tokens; the text produced so far is kept\.$/.exec((await status.textContent()) ?? '');
  expect(m).not.toBeNull();
  const kept = (await generated.textContent()) ?? '';
  expect(kept.startsWith(" haven't been personally affected by this recession")).toBe(true);
  expect(Number(m![1])).toBeLessThan(1000);
  await expect(panel.getByRole('button', { name: 'Generate' })).toBeEnabled();
  await expect(stop).toBeDisabled();
  await expect(page.locator('[data-testid=task-table] tbody tr').first()).toContainText('Cancelled');
});

test('a model file missing from the site gives a clear message', async ({ page, audit }) => {
  // The page itself prefetches the declared model: the browser logs the 404 this test serves.
  audit.expectedConsoleErrors.push(/404 \(Not Found\).*\/models\/use-lite\/onnx\/model_quantized\.onnx/);
  await page.route('**/models/use-lite/onnx/*.onnx', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-warm', 'done');
  await expect(page.locator('[data-notice=model-missing]')).toContainText('A model file is missing from this site');
  await expect(page.locator('[data-notice=model-missing]')).toContainText('use-lite');
});

test('storage full (IndexedDB quota) gives a clear message', async ({ page, context, baseURL }) => {
  // A real quota: Chromium enforces this origin's limit (300 KB) on IndexedDB writes.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 300_000 });
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await page.getByTestId('load-corpus').click();
  await expect(page.locator('[data-notice=quota]')).toContainText('Storage is full');
  // The corpus is one storage task, whose writes the full store refuses; its end may not reach the
  // store either (then no end is announced and the table keeps what it read), so the ingest says it.
  await expect(page.getByTestId('ingest-progress')).toContainText('A write was refused: Storage quota exceeded');
});
