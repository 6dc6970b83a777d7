// Package queue is an in-process standard queue with the semantics of an
// Amazon SQS standard queue: at-least-once delivery, best-effort order,
// visibility timeouts, delays, long polling, dead-letter redrive and
// retention, all on an injectable clock.
//
// # Semantics
//
// Send stores a message and returns its ID (a random UUID). A message is
// visible at once, or after its delay (the queue's Delay, or the message's
// own, which wins even when it is 0). Receive returns up to 10 visible
// messages, in the order they became visible (best effort, as in SQS: a
// message back from a visibility timeout goes behind those already
// waiting), and hides each for the visibility timeout (the
// queue's, or the call's); each receive issues a new receipt handle and
// counts one more receive of the message. A message that is not deleted
// before its timeout ends becomes visible again and is received again:
// delivery is at least once.
//
// Receive long polls when it has a wait time (the call's WaitTime, else the
// queue's ReceiveWaitTime): with no message visible it blocks until one is
// sent, a delay ends or a visibility timeout runs out, and returns as soon as
// it has at least one message, or empty when the wait ends.
//
// Delete takes the latest receipt handle of a message and removes it, even
// after its visibility timeout ran out, as long as it was not received again
// since. The handle of an earlier receive deletes nothing and is not an
// error, as in SQS; neither is deleting twice. ChangeVisibility hides an
// in-flight message for a new timeout counted from now, for this receipt
// only; a message can stay hidden at most 12 hours from the receive that
// issued its handle.
//
// With Config.Redrive, a message whose receive count would exceed
// MaxReceiveCount moves to the dead-letter target instead of being returned.
// It keeps its ID, body, attributes and sent time, so its retention in the
// dead-letter queue counts from when it was first sent, and it remembers
// the queue it came from (Message.DeadLetterSource). A queue's RedriveAllow
// policy says which queues may use it as their dead-letter queue.
//
// A move task (SQS StartMessageMoveTask) takes the messages back out of a
// dead-letter queue: StartMoveTask sends each visible message to a
// destination, or back to its source queue, as a new message (new ID, sent
// now, so its retention starts again; same body and attributes; receive
// count 0), and deletes it from the dead-letter queue only once the
// destination has accepted it. A queue is a dead-letter queue once a queue
// has been made with it as its Redrive.Target, and stays one. It knows its
// sources as long as they are open: a message whose source has closed (or
// that came from no queue it knows) stops the task as Failed, and stays.
// One task runs at a time per queue, optionally at most 1–500 messages a
// second; CancelMoveTask stops it (what was moved stays moved); MoveTasks
// lists the last 10. The task ends Completed when it finds no visible
// message: messages in flight or delayed then stay where they are.
//
// A message older than the retention period is gone: never returned, not
// counted, and its memory released, whether or not anyone calls the queue.
//
// # Large payloads
//
// With Config.LargePayload a queue takes messages up to MaxPayloadSize
// (2 GiB) and keeps each body that would make its message larger than the
// Threshold (by default MaxMessageSize; every body with Always) in a
// blob.Bucket, as the Amazon SQS Extended Client Library does with S3. The
// queued message holds the library's pointer,
// ["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":…,"s3Key":…}],
// and the reserved Number attribute ExtendedPayloadSize, so it is the same
// message the library would write. Receive fetches the body, drops the
// marker attribute and returns a receipt handle that names the object, in
// the library's format; Delete and DeleteBatch remove the object when they
// delete the message (not for a stale handle; KeepObjects turns it off).
// A body that cannot be fetched leaves the pointer in Body and sets the
// message's Err (ErrPayloadNotFound, ErrUnknownBucket, ErrInvalidPointer);
// the other messages arrive as usual. Pointers written by older versions of
// the library (MessageS3Pointer, SQSLargePayloadSize) are read too. Objects
// of messages that expire, are purged or are never deleted stay in the
// bucket, as in S3 without a lifecycle rule.
//
// # Consumer
//
// NewConsumer (or Consume, which runs one until its context is done) does
// what an SQS event source mapping does for a Lambda function: it long
// polls the queue, gathers batches (BatchSize up to 10, or up to 10,000
// with a BatchWindow of up to 5 minutes that waits to fill them), runs a
// Handler on up to MaxConcurrency batches at once (default 5, changed with
// SetMaxConcurrency) and deletes the messages of each batch that succeeded.
// A handler error leaves the batch to come back after its visibility
// timeout, and so, after MaxReceiveCount tries, to reach the dead-letter
// queue; a *BatchItemFailures error with ReportBatchItemFailures fails only
// the messages it names; a panic fails the batch, is reported as
// ErrHandlerPanic through OnError (or the Logger), and the consumer keeps
// running. A Heartbeat extends the visibility of the messages it holds while
// a long handler runs. Close stops receiving, gives back the batch it was
// gathering, waits for running handlers and deletes what they finished.
//
// # Limits and defaults
//
// The zero Config is a queue as SQS CreateQueue makes it with no attributes:
//
//	VisibilityTimeout  30 s      (0–12 h; NoVisibilityTimeout for 0)
//	Delay              0         (0–15 min)
//	Retention          4 days    (1 min–14 days)
//	MaxMessageSize     256 KiB   (1 KiB–1 MiB; body + attribute names, types and values)
//	ReceiveWaitTime    0         (0–20 s)
//	MaxReceiveCount    10        (1–1,000, with Redrive)
//	MaxInFlight        120,000   (NoLimit lifts it)
//
// A message has a body of at least one character from the set SQS allows
// and at most 10 attributes, named by the SQS rules (A-Z a-z 0-9 _ - .,
// at most 256, not starting with AWS. or Amazon., no leading, trailing or
// doubled period), typed String, Number or Binary with an optional custom
// label ("Number.float"). A Number has at most 38 significant digits and a
// magnitude from 10^-128 to 10^126. Batches hold 1–10 entries with distinct
// IDs of 1–80 characters of [A-Za-z0-9_-]; a SendBatch carries at most
// MaxMessageSize bytes in all. A move task's MaxMessagesPerSecond is 0 (no
// limit) or 1–500; MoveTasks keeps the last 10 tasks.
//
// MD5OfBody and MD5OfAttributes compute the digests SQS reports, on demand.
//
// # Errors
//
// Every error wraps a sentinel of this package, with the queue's name and
// the operation: branch with errors.Is. Bad input (ErrEmptyBody,
// ErrInvalidMessageContents, ErrMessageTooLarge, ErrInvalidAttribute,
// ErrInvalidParameter, the batch errors) changes nothing. In a batch, a bad
// entry fails alone, in its result; the whole request fails only for the
// request-level errors (ErrEmptyBatch, ErrTooManyEntries,
// ErrInvalidBatchEntryID, ErrBatchEntryIDsNotDistinct, ErrBatchTooLong).
// Receipt handles: ErrReceiptHandleInvalid (never issued here),
// ErrReceiptHandleExpired, ErrMessageNotInFlight, ErrVisibilityTooLong.
// ErrOverLimit (a short poll finds messages visible but MaxInFlight already
// in flight), ErrPurgeInProgress and ErrRedriveNotAllowed mirror the SQS
// errors of the same names. Move tasks: ErrNotDeadLetterQueue,
// ErrMoveTaskRunning, ErrMoveTaskNotRunning, ErrMoveTaskNotFound; a task
// that fails reports why in MoveTask.FailureReason. A blocked Receive
// returns ctx.Err() unwrapped.
//
// # Concurrency
//
// A Queue is safe for concurrent use. Only Receive blocks, and only while
// long polling; it returns promptly when its context is done. (Close also
// waits for a running move task, whose destination's Send must heed its
// cancelled context; Consumer.Close waits for running handlers.) Internally one
// mutex guards the messages; a second guards the purge timestamp, the
// registry of source queues and the move tasks. The second may be held while
// taking the first, never the other way round, and neither is held while
// calling another queue. Bookkeeping is O(log n) per operation at most, with
// no goroutine or timer per message: one clock timer per queue wakes long
// polls and releases expired messages. Close wakes blocked receives with
// ErrClosed; every later call returns ErrClosed.
//
// A move task runs on one goroutine of its own, from StartMoveTask until it
// ends, and none runs otherwise. It receives up to 10 messages at a time,
// hidden while it sends them, and calls the destination's Send one message
// at a time with no lock held and a context that CancelMoveTask and Close
// cancel. Its rate is a token bucket on the queue's clock holding
// min(rate, 10) messages: it moves a bucketful, then sleeps on a clock timer
// until the bucket is full again, so at 10 a second it moves 10 at once,
// then 10 more each second. Close stops a running task, which ends Failed
// ("the dead-letter queue was closed"; Cancelled if it was cancelling), and
// waits for its goroutine to
// return (it returns once the Send it may be in returns).
//
// A dead-letter move runs inside the Receive that triggers it, without the
// queue's lock, calling the target's AddDeadLetters with
// context.Background(): a target that blocks delays that Receive (a *Queue
// target never blocks). A move that fails leaves the messages in the source,
// hidden for a second (Stats counts them as Delayed), so a failing target is
// retried on a later receive rather than in a loop.
//
// Time comes only from Config.Clock. With a *clock.Mock, Add drives
// visibility timeouts, delays, retention and long-poll waits. The mock runs
// the queue's timer in a goroutine of its own, so a test waits for a long
// poll's result rather than assuming it is there when Add returns, and moves
// the clock only once the receive is waiting: Stats.WaitingReceives says
// when (testing/synctest's Wait does too).
//
// # Differences from AWS
//
//   - A queue stays a dead-letter queue (for StartMoveTask) once a queue has
//     named it as its Redrive.Target, even after that queue closes; SQS
//     asks for a current redrive policy. A move task's Send that outlasts
//     the 12 h the task hides its messages may leave a copy in both queues
//     (it is not counted as moved).
//   - Short polling considers every message, not a sampled subset of
//     servers: a short poll returns a message whenever one is visible.
//   - Purge is immediate: no message sent before it is received after it.
//     A second purge within 60 s still returns ErrPurgeInProgress.
//   - ChangeVisibility with the handle of an earlier receive returns
//     ErrReceiptHandleExpired; SQS's behaviour there is not documented.
//   - In the dead-letter queue, ReceiveCount starts again from 0, and
//     AgeOfOldestMessage counts from the original sent time (SQS counts it
//     from the move).
//   - Move tasks: the ID is a UUID, not SQS's opaque task handle; queues are
//     named, not ARNs; a source is found by name among the open queues made
//     with this dead-letter queue as their target (the one made last if
//     several share a name), and one that is closed fails the task. Zero
//     MaxMessagesPerSecond means as fast as the queues take the messages
//     (SQS: "system optimized"). A task also moves messages that arrive
//     while it runs, and keeps going while they keep arriving; a destination
//     that feeds the dead-letter queue back makes an endless task (this
//     queue itself is refused). MoveTasks returns all of the last 10 (SQS
//     MaxResults defaults to 1) and still answers after Close. The receive
//     counts of messages a failed or cancelled task leaves behind are one
//     higher; so a dead-letter queue that has a Redrive of its own may move
//     a message onward instead of handing it to the task.
//   - The default MaxMessageSize is the classic 256 KiB; SQS now defaults to
//     1 MiB (set MaxMessageSize to 1<<20 to match).
//   - Durations need not be whole seconds.
//   - Stats are exact, not approximate.
//   - Large payloads: the extended client refuses more than 9 attributes
//     on every send once it is in use; here only a message that goes
//     through the bucket is held to 9 (plus the marker). Delete removes the
//     object the stored message points to, not the one its receipt handle
//     names, so an edited handle cannot delete another object.
//   - The consumer allows MaxConcurrency 1 (Lambda's minimum is 2), handles
//     a handler error as a failed batch (Lambda deletes a batch whenever the
//     function returns without error, whatever it returns), and has a
//     Heartbeat, which Lambda leaves to the function. Its 6 MiB batch limit
//     counts bodies only, and a batch closes once it reaches it rather than
//     before.
//   - Number attribute values come back exactly as sent; SQS trims leading
//     and trailing zeros. (Zeros are ignored when counting the 38
//     significant digits either way.)
//   - Memory: the table of receipt-handle slots grows to the largest number
//     of messages the queue has held at once and does not shrink after a
//     burst (8 bytes per slot); messages themselves are freed.
//   - Errors of the receipt handles, ErrClosed and ErrOverLimit read
//     "queue: …" whichever package returns them: they are shared with the
//     other queue packages, so errors.Is matches across them.
//   - Not implemented: queue attributes changed after creation, message
//     system attributes such as AWSTraceHeader, and fair queues.
package queue
