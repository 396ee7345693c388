/**
 * The devtools under a strict Content-Security-Policy: this page gets `style-src 'self'` (no
 * inline styles: a `<style>` element or a `style` attribute is refused), and the panel still
 * renders styled (constructable stylesheets are CSSOM, which the policy allows), with no
 * violation reported. A `<style>` element appended under the same policy is refused: the check
 * itself can fail.
 */
import { createTaskweave, type Taskweave } from '@taskweave/web-worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mountDevtools } from '../index.js';

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
let tw: Taskweave;
const name = `devtools-csp-${Date.now()}`;

beforeAll(async () => {
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = "style-src 'self'";
  document.head.append(meta);
  tw = await createTaskweave({ name, pool: { size: 1, createWorker: () => new Worker(new URL('./fixtures/devtools.worker.ts', import.meta.url), { type: 'module' }) } });
});

afterAll(async () => {
  await tw?.close();
  indexedDB.deleteDatabase(`taskweave:${name}`);
});

it("renders styled under style-src 'self' with no violation", async () => {
  const devtools = mountDevtools(tw, { position: 'top-left' });
  await devtools.open();
  const root = document.querySelector('taskweave-devtools')!.shadowRoot!;
  const panel = root.querySelector<HTMLElement>('.panel')!;
  await expect.poll(() => root.querySelector('[data-count]')?.textContent).toContain('end of list');
  expect(getComputedStyle(panel).position).toBe('fixed');
  expect(getComputedStyle(panel).top).toBe('0px');
  expect(getComputedStyle(root.querySelector('nav button')!).cursor).toBe('pointer');
  expect(root.querySelector('style')).toBeNull();
  expect(violations).toEqual([]);
  devtools.unmount();

  // The policy is on: an inline <style> is refused (and reported).
  const probe = document.createElement('div');
  const shadow = probe.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = 'p { position: fixed; }';
  const p = document.createElement('p');
  shadow.append(style, p);
  document.body.append(probe);
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(getComputedStyle(p).position).toBe('static');
  probe.remove();
});
