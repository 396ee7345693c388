/** Who waits on whom: readiness as dependencies finish, drops, and cycle detection among new tasks. */
import { describe, expect, it } from 'vitest';
import type { TaskId } from '../../task.js';
import { DependencyGraph } from '../dependencyGraph.js';

const ids = (...names: string[]) => names as TaskId[];
const [a, b, c, d, e] = ids('a', 'b', 'c', 'd', 'e') as [TaskId, TaskId, TaskId, TaskId, TaskId];

describe('DependencyGraph', () => {
  it('blocks a task until every unfinished dependency has finished', () => {
    const graph = new DependencyGraph();
    graph.add(c, [a, b]);
    expect(graph.isBlocked(c)).toBe(true);
    expect(graph.finish(a)).toEqual({ dependents: [c], nowReady: [] });
    expect(graph.isBlocked(c)).toBe(true);
    expect(graph.finish(b)).toEqual({ dependents: [c], nowReady: [c] });
    expect(graph.isBlocked(c)).toBe(false);
  });

  it('does not block a task that waits on nothing', () => {
    const graph = new DependencyGraph();
    graph.add(a, []);
    expect(graph.isBlocked(a)).toBe(false);
    expect(graph.finish(a)).toEqual({ dependents: [], nowReady: [] });
  });

  it('returns dependents in registration order and forgets the edges after finish', () => {
    const graph = new DependencyGraph();
    graph.add(c, [a]);
    graph.add(b, [a]);
    graph.add(d, [a, e]);
    const first = graph.finish(a);
    expect(first.dependents).toEqual([c, b, d]);
    expect(first.nowReady).toEqual([c, b]);
    expect(graph.finish(a)).toEqual({ dependents: [], nowReady: [] });
    expect(graph.finish(e).nowReady).toEqual([d]);
  });

  it('drop ends the wait of a task that ended by itself: finishing its dependency later does not make it ready', () => {
    const graph = new DependencyGraph();
    graph.add(c, [a]);
    graph.add(d, [a]);
    graph.drop(c);
    expect(graph.isBlocked(c)).toBe(false);
    expect(graph.finish(a)).toEqual({ dependents: [c, d], nowReady: [d] });
  });

  describe('findCycle', () => {
    const cycle = (entries: [string, string[]][]) =>
      DependencyGraph.findCycle(new Map(entries.map(([id, deps]) => [id as TaskId, deps as TaskId[]])));

    it('finds none in a DAG, nor through tasks outside the new ones', () => {
      expect(cycle([['a', []], ['b', ['a']], ['c', ['a', 'b']], ['d', ['old', 'c']]])).toBeUndefined();
      expect(cycle([])).toBeUndefined();
    });

    it('returns the ids along a cycle, the first repeated last', () => {
      expect(cycle([['a', ['a']]])).toEqual(['a', 'a']);
      expect(cycle([['a', ['b']], ['b', ['c']], ['c', ['a']]])).toEqual(['a', 'b', 'c', 'a']);
      // Only the looping part, not the path that led into it.
      expect(cycle([['x', ['a']], ['a', ['b']], ['b', ['a']]])).toEqual(['a', 'b', 'a']);
    });

    it('does not mistake a diamond (two paths to one task) for a cycle', () => {
      expect(cycle([['top', ['l', 'r']], ['l', ['bottom']], ['r', ['bottom']], ['bottom', []]])).toBeUndefined();
    });
  });
});
