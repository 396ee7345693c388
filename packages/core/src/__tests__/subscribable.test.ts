/** The listener set behind every `subscribe`: unsubscribe, order, and a throwing listener that does not stop the rest. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Subscribable } from '../subscribable.js';

describe('Subscribable', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('calls every listener with the event, in subscription order, until it unsubscribes', () => {
    const events = new Subscribable<number>();
    const seen: string[] = [];
    const offA = events.subscribe((n) => seen.push(`a${n}`));
    events.subscribe((n) => seen.push(`b${n}`));
    events.emit(1);
    offA();
    events.emit(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('says whether anyone listens', () => {
    const events = new Subscribable<void>();
    expect(events.hasListeners()).toBe(false);
    const off = events.subscribe(() => {});
    expect(events.hasListeners()).toBe(true);
    off();
    off();
    expect(events.hasListeners()).toBe(false);
  });

  it('keeps calling the other listeners when one throws, and reports the error asynchronously', () => {
    const reported: (() => void)[] = [];
    vi.stubGlobal('queueMicrotask', (fn: () => void) => reported.push(fn));
    const events = new Subscribable<string>();
    const boom = new Error('listener broke');
    const after = vi.fn();
    events.subscribe(() => {
      throw boom;
    });
    events.subscribe(after);
    expect(() => events.emit('x')).not.toThrow();
    expect(after).toHaveBeenCalledWith('x');
    expect(reported).toHaveLength(1);
    expect(() => reported[0]?.()).toThrow(boom);
  });
});
