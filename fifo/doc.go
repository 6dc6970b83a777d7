// Package fifo is an in-process FIFO queue with the semantics of an Amazon
// SQS FIFO queue: message groups delivered in strict order, one receive at a
// time per group, exactly-once processing through a deduplication window,
// visibility timeouts, long polling, dead-letter redrive, retention and
// throughput quotas, all on an injectable clock. It shares its engine,
// message rules, receipt-handle format and many errors with package queue.
//
// # Semantics
//
// Every message belongs to a message group (SendInput.GroupID). Within a
// group messages are received in the order they were sent. While any
// message of a group is in flight (received and neither deleted nor visible
// again), no other message of that group is received; other groups go on.
// A receive takes the first message of the group that has been waiting
// longest, fills its batch with as many more of that group as it can, in
// order, then moves on to the next group. So a consumer that deletes each
// message before it asks for more processes each group in order, exactly
// once. You cannot ask for a particular group.
//
// Deduplication: a send carries a deduplication ID (SendInput.DeduplicationID,
// or, with ContentBasedDeduplication and no ID, the SHA-256 of the body;
// attributes do not count). Within 5 minutes of the first accepted send with
// an ID, another send with it succeeds, stores nothing, and returns the first
// message's ID and sequence number, even if that message has been received
// or deleted since; duplicates do not extend the window. The ID is unique
// across the queue, or within its group with ScopeMessageGroup. After the 5
// minutes the queue forgets the ID; its memory is released at the next send,
// receive with an attempt ID, or Stats.
//
// Every accepted message gets a sequence number, a 20-digit decimal that
// increases with every message, and so within each group.
//
// Receipt handles: Delete and ChangeVisibility need the handle of the
// receive under which the message is still in flight. Once its visibility
// timeout has ended, or it was received again, the handle returns
// ErrReceiptHandleExpired (a standard queue accepts a delete with it); so
// does a handle whose message has gone any other way than a delete with
// this very handle (deleted under a later receive, moved to the dead-letter
// queue, purged, expired). A repeated delete with the handle a message was
// deleted with returns nil until that handle's timeout would have ended. A
// visibility timeout of 0 makes a received message visible again as soon as
// the receive returns, so the next receive may return it again; SQS warns
// that one receive may then hold it twice, which never happens here.
//
// ReceiveOptions.AttemptID makes a receive retryable: within 5 minutes, a
// receive with the same ID returns the same messages and handles and hides
// them again for the visibility timeout, as long as none was deleted, had
// its visibility changed, or became visible again; otherwise it is a new
// receive.
//
// Delay is queue-wide only: a message's own delay is refused
// (ErrDelayNotSupported). SetDelay changes it retroactively, as SQS does for
// FIFO queues: every message not yet received becomes visible at its sent
// time plus the new delay.
//
// Dead-letter queues: with Config.Redrive, a message whose receive count
// would exceed MaxReceiveCount moves to a FIFO dead-letter target (a
// *Queue) on the receive that finds it, which then goes on with the next
// message of its group. The moved message keeps its ID, body, attributes
// and group; its sent time is reset to the move (its retention starts
// again) and its deduplication ID becomes its message ID. This is how a
// dead-letter queue can break strict order: the message that failed leaves
// its group, the group's later messages are processed without it, and
// whoever takes it from the dead-letter queue does so after them. Use a
// dead-letter queue when a poison message must not stall its group forever;
// leave it out when order matters more.
//
// Messages are kept for the retention period, then gone (never returned,
// memory released). Purge deletes every message at once; the
// deduplication IDs stay remembered.
//
// # Limits and defaults
//
// Config's zero value, with a Name ending in ".fifo", is what SQS
// CreateQueue makes: visibility timeout 30 s (0–12 h), delay 0 (0–15 min),
// retention 4 days (1 min–14 days), maximum message size 256 KiB (1 KiB–1
// MiB), receive wait 0 (0–20 s), dead-letter after 10 receives (1–1,000),
// 120,000 messages in flight at most (at the limit a receive returns nothing,
// without an error). Group, deduplication and attempt IDs are 1–128 ASCII
// letters, digits and punctuation marks. Batches hold 1–10 entries.
//
// Throughput quotas, on the queue's clock: each action (send, receive,
// delete, change visibility) accepts 300 calls a second, a batch counting as
// one call, so 3,000 messages a second with batches of 10. High-throughput
// mode (DeduplicationScope ScopeMessageGroup and ThroughputLimit
// PerMessageGroupID together) raises it to 70,000 calls a second, as in the
// largest regions. A call over the quota returns a *ThrottleError (wrapping
// ErrThrottled) and changes nothing. Limits.CallsPerSecond sets another
// quota; Unlimited lifts them, which is what a queue used in process wants.
//
// # Errors
//
// Bad input returns a sentinel wrapped with the detail and changes nothing:
// ErrGroupIDRequired, ErrDeduplicationIDRequired, ErrInvalidID,
// ErrDelayNotSupported, and the standard queue's ErrEmptyBody,
// ErrInvalidMessageContents, ErrMessageTooLarge, ErrInvalidAttribute,
// ErrInvalidParameter, ErrInvalidConfig and batch errors (same values as
// queue's). Receipt handles: ErrReceiptHandleInvalid (never issued here),
// ErrReceiptHandleExpired, ErrMessageNotInFlight, ErrVisibilityTooLong.
// ErrPurgeInProgress for a second purge within 60 s, ErrRedriveNotAllowed,
// *ThrottleError, and ErrClosed after Close. A blocked Receive returns
// ctx.Err() unwrapped when its context ends.
//
// # Concurrency
//
// Every method is safe for concurrent use. Only Receive blocks, and only
// while it long polls. A queue uses no goroutine of its own and one clock
// timer, armed to its next deadline. Sends are serialised by the queue's
// mutex (the deduplication check and the store are one step), and so are
// receives with an attempt ID while they look up or record it; other
// receives, deletes and visibility changes take only the engine's lock. Selecting the
// next message is O(1) whatever the number of groups, blocked or idle;
// timeouts are O(log n) on one heap.
//
// # Memory
//
// A queued message costs its body, its attributes and about 420 bytes,
// the record of its deduplication ID included (BenchmarkQueuedMemory). Each
// deduplication ID is kept for 5 minutes after its first send, whatever
// happens to its message: a queue taking 3,000 messages a second (the
// quota) remembers up to 900,000 IDs; one with Unlimited quotas remembers
// 5 minutes' worth of whatever rate it takes. A deleted message leaves about
// 260 bytes (no body) until its visibility timeout would have ended, so that
// its receipt handle is still told apart from an expired one.
//
// # Differences from AWS
//
//   - Sequence numbers are 20 digits and increase by one per message; SQS's
//     are longer and leave gaps. Compare them as numbers or, since they have
//     the same length, as strings.
//   - Receive considers every message; SQS short polls may miss some. A
//     queue is one partition: high-throughput mode raises the queue-wide
//     quota rather than modelling partitions, and there are no per-group
//     quotas.
//   - Two concurrent receives with the same new attempt ID each receive
//     messages; the later one is what a retry returns.
//   - Messages moved into a dead-letter queue also take that queue's Delay.
//   - There is no message move task (StartMessageMoveTask) or large-payload
//     offloading for FIFO queues yet; package queue has both for standard
//     queues.
package fifo
