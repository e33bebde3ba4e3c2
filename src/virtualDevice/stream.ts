/**
 * One adb stream between a service of the virtual device and the host. Writes are split into WRTE packets
 * of at most the agreed payload size with one in flight until the host's OKAY (adb's flow control); data
 * from the host is handed to the service and acknowledged at once.
 */
import { Command, Packet } from './packet';

/** Bytes queued towards the host beyond which writers wait (keeps a fast producer from buffering a file). */
const HIGH_WATER = 1 << 20;

export class AdbStream {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private inFlight = false;
  private closed = false;
  private endPending = false;
  private drainWaiters: (() => void)[] = [];
  private readonly closeHandlers: (() => void)[] = [];
  /** Receives the data of each WRTE from the host. */
  onData: (data: Buffer) => void = () => {};

  constructor(
    readonly localId: number,
    readonly remoteId: number,
    private readonly send: (p: Packet) => void,
    private readonly maxPayload: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues data for the host; resolves once the queue is below the high-water mark again. */
  write(data: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    for (let at = 0; at < data.length; at += this.maxPayload) {
      const chunk = data.subarray(at, at + this.maxPayload);
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
    this.pump();
    return this.queued < HIGH_WATER ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Closes once everything written has been acknowledged, as adbd does after a service's last output. */
  end(): void {
    if (this.closed) return;
    if (this.queued === 0 && !this.inFlight) this.close(true);
    else this.endPending = true;
  }

  /** Host OKAY for our last WRTE. */
  acknowledged(): void {
    this.inFlight = false;
    this.pump();
  }

  /** Host WRTE: pass the data on, then tell the host it may send the next one. */
  received(data: Buffer): void {
    if (this.closed) return;
    this.onData(data);
    this.send({ command: Command.OKAY, arg0: this.localId, arg1: this.remoteId, data: Buffer.alloc(0) });
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** Closes the stream; `notify` sends CLSE (not needed when the host closed it or the connection is gone). */
  close(notify: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (notify) this.send({ command: Command.CLSE, arg0: this.localId, arg1: this.remoteId, data: Buffer.alloc(0) });
    this.queue.length = 0;
    this.queued = 0;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
    for (const handler of this.closeHandlers.splice(0)) handler();
  }

  private pump(): void {
    if (this.closed || this.inFlight) return;
    const chunk = this.queue.shift();
    if (chunk === undefined) {
      if (this.endPending) this.close(true);
      return;
    }
    this.queued -= chunk.length;
    this.inFlight = true;
    this.send({ command: Command.WRTE, arg0: this.localId, arg1: this.remoteId, data: chunk });
    if (this.queued < HIGH_WATER) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
