import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSpool, SpoolFullError, type QueuedEvent } from '@orderbus/sdk';

/** The producer client's spool file on its own: order, bounds, acknowledgement, recovery after a crash. */
describe('FileSpool', () => {
  let dir: string;
  let n = 0;
  const event = (id = `e-${++n}`, padding = 0): QueuedEvent => ({ eventId: id, dataArea: 'fwwt', changeId: '4', data: { serviceOrderId: 'o', pad: 'x'.repeat(padding) } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orderbus-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands events back in order, survives a reopen, and empties the file once all are acknowledged', () => {
    const path = join(dir, 's.jsonl');
    const spool = new FileSpool({ path });
    ['a', 'b', 'c', 'd'].forEach((id) => spool.append(event(id)));
    expect(spool.peek(2).map((e) => e.eventId)).toEqual(['a', 'b']);
    spool.ack(2);
    spool.close();

    const reopened = new FileSpool({ path });
    expect(reopened.size).toBe(2);
    expect(reopened.peek(10).map((e) => e.eventId)).toEqual(['c', 'd']);
    reopened.append(event('e'));
    expect(reopened.all().map((e) => e.eventId)).toEqual(['c', 'd', 'e']);
    reopened.ack(3);
    expect(statSync(path).size).toBe(0);
    expect(readFileSync(`${path}.ack`, 'utf8')).toBe('0');
    reopened.close();
  });

  it('drops a line torn by a crash mid-write and a line that is not JSON, keeping the rest in order', () => {
    const path = join(dir, 's.jsonl');
    const good = [event('g1'), event('g2'), event('g3')].map((e) => JSON.stringify(e));
    writeFileSync(path, `${good[0]}\nnot json at all\n${good[1]}\n${good[2]}\n{"eventId":"torn","dat`);
    const spool = new FileSpool({ path });
    expect(spool.corruptLines).toBe(2);
    expect(spool.all().map((e) => e.eventId)).toEqual(['g1', 'g2', 'g3']);
    spool.close();
  });

  it('sends everything again when the acknowledgement points past the file (cut after the ack): duplicates, never a loss', () => {
    const path = join(dir, 's.jsonl');
    writeFileSync(path, `${JSON.stringify(event('x1'))}\n`);
    writeFileSync(`${path}.ack`, '999999');
    const spool = new FileSpool({ path });
    expect(spool.all().map((e) => e.eventId)).toEqual(['x1']);
    spool.close();
  });

  it('stays within maxBytes: compacts the acknowledged prefix away, then refuses with SpoolFullError', () => {
    const path = join(dir, 's.jsonl');
    const spool = new FileSpool({ path, maxBytes: 4096 });
    const ids: string[] = [];
    let full: unknown;
    for (let i = 0; i < 100 && !full; i++) {
      try {
        spool.append(event(`f${i}`, 300));
        ids.push(`f${i}`);
      } catch (err) {
        full = err;
      }
    }
    expect(full).toBeInstanceOf(SpoolFullError);
    expect(statSync(path).size).toBeLessThanOrEqual(4096);
    // Half of it answered: room again, by compaction, and the order holds.
    const half = Math.floor(ids.length / 2);
    expect(spool.peek(half).map((e) => e.eventId)).toEqual(ids.slice(0, half));
    spool.ack(half);
    spool.append(event('after', 300));
    expect(statSync(path).size).toBeLessThanOrEqual(4096);
    expect(spool.all().map((e) => e.eventId)).toEqual([...ids.slice(half), 'after']);
    spool.close();
    // And a reopen reads the compacted file from its start.
    const reopened = new FileSpool({ path, maxBytes: 4096 });
    expect(reopened.all().map((e) => e.eventId)).toEqual([...ids.slice(half), 'after']);
    reopened.close();
  });

  it('reads an event longer than its read chunk', () => {
    const path = join(dir, 's.jsonl');
    const spool = new FileSpool({ path, maxBytes: 4 * 1024 * 1024 });
    spool.append(event('big', 600 * 1024));
    spool.append(event('small'));
    expect(spool.peek(5).map((e) => e.eventId)).toEqual(['big', 'small']);
    expect((spool.peek(1)[0]!.data.pad as string).length).toBe(600 * 1024);
    spool.close();
  });
});
