// Package stratus is the map of the stratus library: in-process Go values
// with the semantics of the AWS application-integration services, and fake
// time to test them with. This package holds no code; import the packages
// below.
//
// # Packages
//
// Available today:
//
//   - [github.com/stratus-go/stratus/queue]: a standard queue with the
//     semantics of an Amazon SQS standard queue: at-least-once delivery,
//     best-effort order, visibility timeouts, delays, long polling,
//     batches, dead-letter redrive and retention. Make one with queue.New
//     and a queue.Config; its zero value is an SQS queue created with no
//     attributes. queue.NewConsumer runs a handler over its messages the
//     way an SQS event source mapping runs a Lambda function, and
//     Config.LargePayload keeps bodies too large for it in a bucket, as the
//     SQS Extended Client Library does; StartMoveTask moves messages out of
//     a dead-letter queue, as SQS message move tasks do.
//   - [github.com/stratus-go/stratus/fifo]: a FIFO queue with the
//     semantics of an Amazon SQS FIFO queue: message groups received in
//     strict order, one receive at a time per group; a 5-minute
//     deduplication window; retryable receives; throughput quotas on the
//     clock; FIFO dead-letter queues. It shares its engine, message rules
//     and most errors with queue.
//   - [github.com/stratus-go/stratus/pubsub]: topics with the semantics of
//     Amazon SNS. pubsub.NewTopic makes a standard or FIFO topic; Publish
//     pushes a copy of each message to every subscription whose filter
//     policy (pubsub/filter) accepts it: queues and FIFO queues (through
//     pubsub.QueueSender and pubsub.FIFOSender, which *queue.Queue and
//     *fifo.Queue satisfy), Go functions, http.Handlers or URLs, email,
//     SMS and push senders, with signed envelopes, the SNS retry policies
//     on the clock, subscription dead-letter queues, and Flush to wait for
//     the deliveries.
//   - [github.com/stratus-go/stratus/pubsub/filter]: Amazon SNS
//     subscription filter policies, usable alone (routing, testing a policy
//     before deploying it): filter.Parse compiles a policy for
//     MessageAttributes or MessageBody scope with every operator and limit
//     SNS has; Policy.Match decides a message without allocating and
//     Policy.Explain says which key failed and why.
//   - [github.com/stratus-go/stratus/stream]: a data stream with the
//     semantics of Amazon Kinesis Data Streams: records routed to shards by
//     the MD5 of their partition key, sequence numbers, shard iterators,
//     the per-shard quotas (or on-demand capacity), retention, SplitShard,
//     MergeShards and UpdateShardCount, and enhanced fan-out
//     (SubscribeToShard). Make one with stream.New and a stream.Config; its
//     zero value is a one-shard provisioned stream with 24 h retention.
//   - [github.com/stratus-go/stratus/deploy]: a simulator of Elastic
//     Beanstalk deployments. deploy.New makes an environment (a fleet
//     behind a load balancer); Deploy rolls a version out with one of the
//     five policies and returns a Report of capacity, downtime, duration,
//     instance-hours and rollback; Compare runs all five on one scenario;
//     Environment.Handler routes real requests to the instances in service.
//     With a *clock.Mock, Deploy moves the mock itself.
//   - [github.com/stratus-go/stratus/blob]: S3-like buckets, in memory
//     (blob.NewMemory) or in a folder (blob.NewDir), behind the small
//     blob.Bucket interface; queue's large payloads use them.
//   - internal/engine: the message store under queue and fifo (visible,
//     delayed and in-flight messages, the selection policy, receipt
//     handles, one clock timer per queue), and internal/sqsmsg, the SQS
//     message rules both queues apply. They are internal: import queue or
//     fifo, never these.
//
// Planned, not written yet (no code, no API to rely on):
//
//   - stream/consumer, stream/firehose and stream/analytics: the consumer
//     library (KCL), delivery (Firehose) and windowed analytics over a
//     stream.ShardReader
//   - mail: email (SES)
//
// # How they compose
//
// Each package returns concrete pointers (*queue.Queue) and declares the
// small interfaces its callers need (queue.Sender, queue.Receiver,
// queue.DeadLetterTarget). Packages that feed one another depend on those
// interfaces, not on each other's types, so either side can be replaced by
// a fake in a test. That is how a queue hands failing messages to its
// dead-letter queue (Config.Redrive.Target is a queue.DeadLetterTarget, and
// a *queue.Queue is one; fifo.DeadLetterTarget likewise), how it stores
// large bodies (Config.LargePayload.Bucket is a blob.Bucket), and how a
// topic delivers into queues (pubsub.QueueSender and pubsub.FIFOSender,
// which *queue.Queue and *fifo.Queue satisfy; pubsub.Mailer for the coming
// mail package). The stream's Putter and ShardReader are what the planned
// stream/consumer, firehose and analytics will build on.
//
// # Time
//
// Every Config has a field Clock of type clock.Clock, from
// github.com/benbjohnson/clock; nil means the real clock. Give every
// value in a test the same *clock.Mock (clock.NewMock()): its Add then
// drives visibility timeouts, delays, retention, long-poll waits, a
// consumer's batch windows and heartbeats, FIFO deduplication windows and
// quotas, a topic's retries, a stream's iterators, quotas, retention and
// fan-out subscriptions, a deployment's simulated timeline, and the
// modified times of bucket objects, so a test can pass 4 days of retention
// or a 12-hour visibility timeout in microseconds, and nothing in the
// library reads the time any other way.
//
//	clk := clock.NewMock()
//	q, err := queue.New(queue.Config{VisibilityTimeout: 30 * time.Second, Clock: clk})
//	// ... send, receive and do not delete ...
//	clk.Add(31 * time.Second) // the message is visible again
//
// Expiry is decided from the clock's time whenever an operation looks, so
// a receive after Add sees its effect at once. A blocked long poll is woken
// by a clock timer: a *clock.Mock fires it during Add, running its function
// in a new goroutine, so wait for the receive's result rather than assume
// it is there when Add returns. Advance the clock only once the receive is
// known to be waiting (queue.Stats.WaitingReceives counts them, or use
// testing/synctest's Wait); a wait that starts after the Add counts from
// the new time.
//
// The runnable tour in examples/tour shows all of this on a mock clock:
//
//	go run ./examples/tour
package stratus
