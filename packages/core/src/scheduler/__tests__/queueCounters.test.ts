/** The O(1) snapshot's counts as tasks move through statuses and phases. */
import { describe, expect, it } from 'vitest';
import { TaskPriority, TaskStatus } from '../../task.js';
import { QueueCounters } from '../queueCounters.js';

const { Pending, Running, Completed, Failed, Cancelled, Timeout } = TaskStatus;

describe('QueueCounters', () => {
  it('starts empty, with the given concurrency', () => {
    expect(new QueueCounters().snapshot(4)).toEqual({
      byStatus: { Pending: 0, Running: 0, Completed: 0, Failed: 0, Cancelled: 0, Timeout: 0 },
      byPriority: { Low: 0, Normal: 0, High: 0, Critical: 0 },
      ready: 0,
      blocked: 0,
      retrying: 0,
      running: 0,
      concurrency: 4,
    });
  });

  it('counts a new task as Pending and blocked, under its priority', () => {
    const counters = new QueueCounters();
    counters.add(TaskPriority.High);
    counters.add(TaskPriority.Low);
    const s = counters.snapshot(1);
    expect(s.byStatus.Pending).toBe(2);
    expect(s.blocked).toBe(2);
    expect(s.byPriority).toEqual({ Low: 1, Normal: 0, High: 1, Critical: 0 });
  });

  it('follows a task through ready, running, a retry and its end; priority counts only unfinished tasks', () => {
    const counters = new QueueCounters();
    const p = TaskPriority.Critical;
    counters.add(p);
    counters.move(p, Pending, 'blocked', Pending, 'ready');
    expect(counters.snapshot(1)).toMatchObject({ blocked: 0, ready: 1, byStatus: { Pending: 1 } });
    counters.move(p, Pending, 'ready', Running, 'running');
    expect(counters.snapshot(1)).toMatchObject({ ready: 0, running: 1, byStatus: { Pending: 0, Running: 1 } });
    counters.move(p, Running, 'running', Pending, 'retrying');
    expect(counters.snapshot(1)).toMatchObject({ running: 0, retrying: 1, byStatus: { Pending: 1, Running: 0 } });
    counters.move(p, Pending, 'retrying', Running, 'running');
    expect(counters.snapshot(1).byPriority.Critical).toBe(1);
    counters.move(p, Running, 'running', Completed, 'done');
    const s = counters.snapshot(1);
    expect(s.byStatus).toEqual({ Pending: 0, Running: 0, Completed: 1, Failed: 0, Cancelled: 0, Timeout: 0 });
    expect(s.byPriority.Critical).toBe(0);
    expect([s.blocked, s.ready, s.retrying, s.running]).toEqual([0, 0, 0, 0]);
  });

  it('counts each terminal status apart', () => {
    const counters = new QueueCounters();
    for (const end of [Failed, Cancelled, Timeout, Timeout]) {
      counters.add(TaskPriority.Normal);
      counters.move(TaskPriority.Normal, Pending, 'blocked', end, 'done');
    }
    const s = counters.snapshot(1);
    expect(s.byStatus).toEqual({ Pending: 0, Running: 0, Completed: 0, Failed: 1, Cancelled: 1, Timeout: 2 });
    expect(s.byPriority.Normal).toBe(0);
  });

  it('relabel moves a finished task from one status to another, leaving phases alone', () => {
    const counters = new QueueCounters();
    counters.add(TaskPriority.Normal);
    counters.move(TaskPriority.Normal, Pending, 'ready', Failed, 'done');
    counters.relabel(Failed, Completed);
    const s = counters.snapshot(1);
    expect(s.byStatus.Failed).toBe(0);
    expect(s.byStatus.Completed).toBe(1);
  });
});
