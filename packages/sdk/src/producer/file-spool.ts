import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeFileSync, writeSync, readFileSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';
import type { QueuedEvent } from './envelope';
import { SpoolFullError } from './errors';
import type { EventQueue } from './event-queue';

export interface SpoolOptions {
  /** The spool file (JSON lines); `<path>.ack` beside it records how much of it orderbus has answered. */
  path: string;
  /** Most bytes the file may hold; emit rejects with SpoolFullError beyond (default 64 MiB). */
  maxBytes?: number;
}

export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  event: QueuedEvent;
  bytes: number;
}

const READ_CHUNK = 256 * 1024;

/**
 * A write-ahead spool: every emitted event is appended to a JSON-lines file
 * before emit resolves, sent from the head of the file, and acknowledged by
 * moving an offset kept in `<path>.ack`. A process that dies — or a bus that
 * is down for an hour — loses nothing: the next client on the same path sends
 * what the file still holds, in order.
 *
 * Crash safety leans towards sending again, never towards skipping: the
 * offset is written after orderbus answered, and before the file is cut. An
 * event sent twice is answered `duplicate: true` by orderbus (same eventId).
 * Appends are plain writes (no fsync): they survive the process, not the OS.
 */
export class FileSpool implements EventQueue {
  readonly path: string;
  readonly maxBytes: number;
  private readonly ackPath: string;
  private fd: number;
  /** Bytes in the file. */
  private fileBytes: number;
  /** Bytes of the file orderbus has answered. */
  private ackedBytes: number;
  /** Entries from ackedBytes on that have been read into memory (a prefix of the waiting ones). */
  private window: Entry[] = [];
  /** File position just after the window. */
  private windowEnd: number;
  private waiting = 0;
  /** Lines that were not JSON (a torn write), skipped at open. */
  readonly corruptLines: number;

  constructor(options: SpoolOptions) {
    this.path = options.path;
    this.maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1024) throw new RangeError('spool.maxBytes must be an integer >= 1024');
    this.ackPath = `${this.path}.ack`;
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a+');
    this.fileBytes = fstatSync(this.fd).size;
    this.ackedBytes = this.readAck();
    if (this.ackedBytes > this.fileBytes) this.ackedBytes = 0; // the file was cut after the ack: everything in it waits
    const recovered = this.recover();
    this.corruptLines = recovered.corrupt;
    this.waiting = recovered.count;
    this.windowEnd = this.ackedBytes;
  }

  get size(): number {
    return this.waiting;
  }

  /** Bytes waiting to be sent. */
  get pendingBytes(): number {
    return this.fileBytes - this.ackedBytes;
  }

  append(event: QueuedEvent): void {
    const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    if (this.fileBytes + line.length > this.maxBytes && this.ackedBytes > 0) this.compact();
    if (this.fileBytes + line.length > this.maxBytes) throw new SpoolFullError(this.path, this.maxBytes, this.waiting);
    writeSync(this.fd, line, 0, line.length, null);
    this.fileBytes += line.length;
    this.waiting += 1;
  }

  peek(max: number): QueuedEvent[] {
    while (this.window.length < max && this.windowEnd < this.fileBytes) {
      if (!this.readMore(max - this.window.length)) break;
    }
    return this.window.slice(0, max).map((e) => e.event);
  }

  ack(count: number): void {
    const n = Math.min(count, this.window.length);
    if (n === 0) return;
    const done = this.window.splice(0, n);
    this.ackedBytes += done.reduce((sum, e) => sum + e.bytes, 0);
    this.waiting -= n;
    if (this.ackedBytes === this.fileBytes) {
      // Everything answered: record it, then cut the file (a crash in between only sends the old lines again).
      this.writeAck(0);
      ftruncateSync(this.fd, 0);
      this.fileBytes = 0;
      this.ackedBytes = 0;
      this.windowEnd = 0;
      this.window = [];
    } else {
      this.writeAck(this.ackedBytes);
    }
  }

  all(): QueuedEvent[] {
    this.peek(Number.MAX_SAFE_INTEGER);
    return this.window.map((e) => e.event);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Rewrites the file with only the waiting lines (when the answered prefix stands in the way of an append). */
  private compact(): void {
    const tail = Buffer.alloc(this.fileBytes - this.ackedBytes);
    readSync(this.fd, tail, 0, tail.length, this.ackedBytes);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, tail);
    const tmpFd = openSync(tmp, 'r+');
    fsyncSync(tmpFd);
    closeSync(tmpFd);
    // Offset 0 first: if we die before the rename, the old file is sent from its start again (duplicates, no loss).
    this.writeAck(0);
    closeSync(this.fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, 'a+');
    this.windowEnd -= this.ackedBytes;
    this.fileBytes = tail.length;
    this.ackedBytes = 0;
  }

  private readMore(wanted: number): boolean {
    const length = Math.min(READ_CHUNK, this.fileBytes - this.windowEnd);
    const buffer = Buffer.alloc(length);
    const read = readSync(this.fd, buffer, 0, length, this.windowEnd);
    let start = 0;
    let added = 0;
    for (let i = 0; i < read && added < wanted; i++) {
      if (buffer[i] !== 0x0a) continue;
      const bytes = i + 1 - start;
      const text = buffer.toString('utf8', start, i);
      this.window.push({ event: JSON.parse(text) as QueuedEvent, bytes });
      this.windowEnd += bytes;
      start = i + 1;
      added += 1;
    }
    if (added === 0 && read === length && length === READ_CHUNK) {
      // One line longer than a chunk: read it whole.
      const end = this.findNewline(this.windowEnd);
      const line = Buffer.alloc(end + 1 - this.windowEnd);
      readSync(this.fd, line, 0, line.length, this.windowEnd);
      this.window.push({ event: JSON.parse(line.toString('utf8', 0, line.length - 1)) as QueuedEvent, bytes: line.length });
      this.windowEnd += line.length;
      return true;
    }
    return added > 0;
  }

  private findNewline(from: number): number {
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let at = from; at < this.fileBytes; at += READ_CHUNK) {
      const read = readSync(this.fd, buffer, 0, READ_CHUNK, at);
      const index = buffer.subarray(0, read).indexOf(0x0a);
      if (index >= 0) return at + index;
    }
    return this.fileBytes - 1;
  }

  /**
   * Counts the waiting lines, drops a torn last line (a write cut by a crash)
   * and rewrites the file without lines that are not JSON.
   */
  private recover(): { count: number; corrupt: number } {
    if (this.fileBytes === this.ackedBytes) return { count: 0, corrupt: 0 };
    const tail = Buffer.alloc(this.fileBytes - this.ackedBytes);
    readSync(this.fd, tail, 0, tail.length, this.ackedBytes);
    const lastNewline = tail.lastIndexOf(0x0a);
    const complete = tail.subarray(0, lastNewline + 1);
    const lines = complete.length === 0 ? [] : complete.toString('utf8').slice(0, -1).split('\n');
    const good = lines.filter((line) => {
      try {
        const parsed = JSON.parse(line) as Partial<QueuedEvent>;
        return typeof parsed === 'object' && parsed !== null && typeof parsed.eventId === 'string';
      } catch {
        return false;
      }
    });
    const corrupt = lines.length - good.length;
    if (corrupt > 0 || complete.length !== tail.length) {
      const text = good.map((l) => `${l}\n`).join('');
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, text);
      this.writeAck(0);
      closeSync(this.fd);
      renameSync(tmp, this.path);
      this.fd = openSync(this.path, 'a+');
      this.fileBytes = Buffer.byteLength(text);
      this.ackedBytes = 0;
    }
    return { count: good.length, corrupt: corrupt + (complete.length !== tail.length ? 1 : 0) };
  }

  private readAck(): number {
    if (!existsSync(this.ackPath)) return 0;
    const value = Number(readFileSync(this.ackPath, 'utf8').trim());
    return Number.isInteger(value) && value >= 0 ? value : 0;
  }

  private writeAck(offset: number): void {
    const tmp = `${this.ackPath}.tmp`;
    writeFileSync(tmp, String(offset));
    renameSync(tmp, this.ackPath);
  }
}
