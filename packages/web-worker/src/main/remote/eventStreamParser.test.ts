/** The page's Server-Sent Events framing (remoteHttp.ts), as `GET /v1/tasks/:id/events` writes it and as proxies may cut it. */
import { describe, expect, it } from 'vitest';
import { EventStreamParser, type ServerEvent } from './remoteHttp.js';

const STREAM =
  'retry: 1000\n\nevent: status\ndata: {"id":"t","status":"Running"}\n\n: keepalive\n\n' +
  'id: 0\nevent: chunk\ndata: {"index":0,"chunk":"a\\n\\nb"}\n\nevent: progress\ndata: {"done":1,"total":2}\n\n' +
  'event: end\ndata: {"id":"t","status":"Completed","result":{"status":"Completed"}}\n\n';

function parse(pieces: string[]): ServerEvent[] {
  const parser = new EventStreamParser();
  const out: ServerEvent[] = [];
  for (const piece of pieces) parser.push(piece, (e) => out.push(e));
  return out;
}

describe('EventStreamParser', () => {
  it('parses events, ids and JSON data; skips comments and the retry field', () => {
    expect(parse([STREAM])).toEqual([
      { event: 'status', id: undefined, data: { id: 't', status: 'Running' } },
      { event: 'chunk', id: '0', data: { index: 0, chunk: 'a\n\nb' } },
      { event: 'progress', id: undefined, data: { done: 1, total: 2 } },
      { event: 'end', id: undefined, data: { id: 't', status: 'Completed', result: { status: 'Completed' } } },
    ]);
  });

  it('gives the same events however the bytes are cut, and with CRLF line ends', () => {
    const whole = parse([STREAM]);
    for (const size of [1, 2, 7, 64]) {
      const pieces = Array.from({ length: Math.ceil(STREAM.length / size) }, (_, i) => STREAM.slice(i * size, (i + 1) * size));
      expect(parse(pieces)).toEqual(whole);
    }
    const crlf = STREAM.replaceAll('\n', '\r\n');
    expect(parse([crlf])).toEqual(whole);
    expect(parse(Array.from(crlf))).toEqual(whole);
  });
});
