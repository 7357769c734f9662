/**
 * The durable outbox the dispatcher is written against: one interface, with SQLite
 * (outbox-sqlite.ts) and PostgreSQL (outbox-postgres.ts) behind it. Vocabulary:
 * - event: one Tencent callback payload, kept in the event log with its final status;
 * - delivery: the hot-table row that says an event still has to reach its URL;
 * - attempt: one POST of a delivery, recorded with its outcome.
 * Invariant: every claimed delivery ends recorded (delivered, rescheduled, failed) or released.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { CallbackResult } from './http-client.js';

export type EventStatus = 'pending' | 'delivered' | 'failed' | 'no_callback' | 'no_url';

export interface NewEvent {
  readonly webhookId: string;
  readonly appId: number;
  readonly domain: string;
  readonly appName: string;
  readonly stream: string;
  readonly eventType: number;
  readonly sequence: string;
  /** Payload JSON without `t`/`sign`. */
  readonly payload: string;
  readonly templateId: number | null;
  readonly url: string;
  readonly callbackKey: string;
  /** Events sharing a key are delivered in order; null = no ordering constraint. */
  readonly orderKey: string | null;
  /** `pending` creates a delivery; the other statuses are final at once. */
  readonly status: Extract<EventStatus, 'pending' | 'no_callback' | 'no_url'>;
  /** Runs first in the event's own transaction (see TransactionHook). */
  readonly alsoInTransaction?: TransactionHook;
}

/**
 * Statements written in the same transaction as an event (e.g. a push session's state change), so
 * that both or neither are stored. The event is not written when its hook says false (the session
 * had already ended elsewhere); the hook's own statements still commit.
 *
 * Set-based: the hooks of one enqueue batch that share a `statement` run as one call of it, with
 * every event's `input`, so that thirty push starts cost one statement (one round trip on
 * PostgreSQL), not thirty. Hooks with the same `key` (the row they change) run in their events'
 * order, each in a later call: a push's start is written before its end.
 */
export interface TransactionHook<Input = never> {
  readonly statement: HookStatement<Input>;
  readonly input: Input;
  readonly key: string | number;
}

/** Runs several events' hooks of one kind at once: one answer per input, in order (false: that event is not written). */
export type HookStatement<Input> = (trx: Transaction<Database>, inputs: readonly Input[]) => Promise<readonly boolean[]>;

/** A hook of `statement` for one event. */
export const transactionHook = <Input>(statement: HookStatement<Input>, key: string | number, input: Input): TransactionHook =>
  ({ statement, key, input }) as unknown as TransactionHook;

export interface ClaimedDelivery {
  readonly id: number;
  readonly eventId: number;
  readonly webhookId: string;
  readonly url: string;
  readonly targetHost: string;
  readonly eventType: number;
  readonly callbackKey: string;
  readonly payload: string;
  /** Attempts already made in this delivery run. */
  readonly attempts: number;
  readonly orderKey: string | null;
}

export type AttemptVerdict =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly at: number }
  | { readonly kind: 'failed' };

export interface AttemptOutcome {
  readonly delivery: ClaimedDelivery;
  readonly startedAt: number;
  readonly result: CallbackResult;
  readonly verdict: AttemptVerdict;
}

export interface Backlog {
  readonly queued: number;
  readonly oldestAgeMs: number;
}

export interface ResendItem {
  readonly eventId: number;
  readonly url: string;
  readonly eventType: number;
  readonly callbackKey: string;
}

export interface Outbox {
  /**
   * Writes the events (after their transaction hooks) and their deliveries in one transaction;
   * returns the event ids in order, 0 for an event its hook voided.
   */
  enqueue(events: readonly NewEvent[]): Promise<number[]>;
  /**
   * Leases up to `limit` due deliveries whose session predecessors are all finished, skipping
   * hosts that are saturated in this process.
   */
  claimDue(options: { now: number; limit: number; leaseMs: number; excludeHosts: readonly string[] }): Promise<ClaimedDelivery[]>;
  /** Records attempts and applies their verdicts in one transaction. */
  record(outcomes: readonly AttemptOutcome[], now: number): Promise<void>;
  /** Gives claimed deliveries back without an attempt (shutdown). */
  release(ids: readonly number[]): Promise<void>;
  /** Extends the leases of claimed deliveries that are still held (attempts queued or in flight). */
  renew(ids: readonly number[], until: number, now: number): Promise<void>;
  /** Earliest time something becomes due, if anything is queued. */
  nextDueAt(): Promise<number | undefined>;
  backlog(now: number): Promise<Backlog>;
  /** Starts a new delivery run for each finished event; returns how many were queued. */
  resend(items: readonly ResendItem[], now: number): Promise<number>;
  /** Deletes finished events (and their attempts) older than `before`; returns the count. */
  pruneFinished(before: number, limit: number): Promise<number>;
}
