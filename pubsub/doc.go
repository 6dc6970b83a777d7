// Package pubsub is an in-process topic with the semantics of Amazon SNS:
// publish a message once, and the topic pushes a copy to every
// subscription whose filter policy accepts it, retries failed deliveries
// by the protocol's delivery policy, and sends those it gives up on to the
// subscription's dead-letter queue, all on an injectable clock.
//
// # Semantics
//
// NewTopic makes a standard or a FIFO topic. Publish (or PublishBatch, up
// to 10 messages with a result each) validates a message, gives it an ID,
// and queues a copy for every confirmed subscription whose filter policy
// (package filter, in MessageAttributes or MessageBody scope) accepts it;
// it returns once the copies are queued, and the deliveries happen on the
// topic's workers. Flush waits until the whole topic is idle: every
// accepted message has been delivered, dead-lettered or dropped, or waits
// on a clock timer (a retry, a throttle, or a FIFO group behind a retry),
// so a test can look at the endpoints after it. Waits already due at the
// clock's Now are re-queued by Flush itself, so a Flush right after a
// *clock.Mock's Add sees that instant's retries without waiting for the
// mock to run the timer's callback.
//
// Subscribe takes an Endpoint, each a small interface a test can fake:
//
//	Queue(q)          a standard queue (queue.Queue), protocol sqs
//	FIFOQueue(q)      a FIFO queue (fifo.Queue) of a FIFO topic; group and deduplication IDs passed on
//	Func(fn)          a Go function given the Lambda event, protocol lambda
//	Handler(h)        an http.Handler called in process, protocol https
//	URL(client, u)    an http or https URL reached with the caller's *http.Client
//	Email, EmailJSON  a Mailer (the mail package will be one)
//	SMS, Push         an SMSSender, a PushSender
//
// A queue receives the Notification envelope as JSON, or with
// RawMessageDelivery the body as published with its attributes. HTTP
// endpoints receive a POST with the SNS headers (x-amz-sns-message-type,
// -message-id, -topic-arn, -subscription-arn, and -rawdelivery for raw
// delivery) and the envelope or the raw body. A function receives an
// Event with one record, as Lambda does. HTTP and email subscriptions wait
// for confirmation: the endpoint first receives a SubscriptionConfirmation
// (Token and SubscribeURL), and no message until ConfirmSubscription is
// called with the token; queue and function subscriptions are confirmed at
// once.
//
// Every envelope delivered over HTTP, to email-json and to functions is
// signed, SignatureVersion 2 (SHA256withRSA), over the string SNS
// documents (Message, MessageId, Subject when present, Timestamp,
// TopicArn, Type, each as "name\nvalue\n"; for a confirmation Message,
// MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type). The topic's
// self-signed certificate (CertificatePEM) verifies it with crypto/x509
// and crypto/rsa, exactly as against SNS. A message is signed once
// whatever the number of its copies, and queue envelopes are not signed
// unless TopicConfig.SignQueueMessages is set.
//
// A delivery fails when the endpoint returns an error: for HTTP, a status
// outside 2xx or a transport error; for a queue, the queue's error. A
// failure is retried on the protocol's schedule; an error made by
// Permanent, an HTTP 4xx, a closed queue or a message the queue refuses
// (too large, more than 10 attributes in raw delivery) is not retried, as
// SNS does not retry client-side errors. The schedules:
//
//	sqs, lambda           3 immediate, 2 × 1 s, 10 exponential 1 s → 20 s, 100,000 × 20 s
//	email, sms, application  2 × 10 s, 10 exponential 10 s → 600 s, 38 × 600 s
//	http, https           the DeliveryPolicy: by default 3 retries 20 s apart
//
// A DeliveryPolicy has an immediate phase, a pre-backoff phase at
// MinDelay, a backoff phase from MinDelay to MaxDelay shaped by Linear,
// Arithmetic, Geometric or Exponential, and a post-backoff phase at
// MaxDelay. With n backoff retries and k counting them from 0, t = k/(n-1):
// linear min+(max-min)t, arithmetic min+(max-min)t², geometric
// min·(max/min)^t, exponential min+(max-min)(2^k-1)/(2^(n-1)-1), rounded
// to the millisecond. MaxReceivesPerSecond throttles a subscription with a
// token bucket (golang.org/x/time/rate) on the topic's clock. A delivery
// keeps its MessageId on every retry.
//
// When a delivery's retries run out, or its error is permanent, the
// message goes to the subscription's DeadLetter queue if it has one: with
// the body the endpoint would have received (on a FIFO topic with its
// group and deduplication IDs) and the attributes ErrorCode (the HTTP
// status, "ClientError" for a permanent error, or "RetriesExhausted"),
// ErrorMessage and RequestID. Without a dead-letter queue, or when it
// refuses the message, the message is dropped. Both are counted.
//
// A FIFO topic (name ending in .fifo) takes only queue subscriptions,
// numbers its messages (SequenceNumber, also in the envelope), drops a
// publish whose deduplication ID (or, with ContentBasedDeduplication, the
// SHA-256 of its body) it saw in the last 5 minutes, returning the first
// message's ID, and delivers to each subscription one message at a time
// in sequence order: a message waiting for a retry holds back the later
// messages of its group (they count as waiting on a retry in Stats), and
// the other groups go on.
//
// Stats and Subscription.Stats count messages published, matched,
// delivered, filtered out, retried, failed, dead-lettered and dropped,
// and show the deliveries pending and waiting on a retry. A subscription
// waiting for confirmation counts nothing: it neither gets nor filters
// out a message.
//
// # Limits and defaults
//
// The zero TopicConfig is a standard topic as SNS CreateTopic makes it:
//
//	Name            "topic" (1–256 of [A-Za-z0-9_-], plus .fifo for a FIFO topic)
//	MaxMessageSize  256 KiB (1 KiB–1 MiB; over 256 KiB only queue and function subscriptions, at most 100)
//	DeliveryPolicy  3 retries 20 s apart (NumRetries 0–100 in all phases, delays 1 s–3,600 s, ≤ 3,600 s in all)
//	Region, Account us-east-1, 123456789012: ARNs arn:aws:sns:<region>:<account>:<name>
//	Workers         4 × GOMAXPROCS per pool (1–10,000)
//
// A message has a body of 1 character or more (the characters SQS allows,
// as valid UTF-8); its size counts the body and every attribute's name,
// type and value. Attributes follow the SQS naming rules, typed String,
// String.Array (a JSON array), Number or Binary. A Subject is at most 100
// printable ASCII characters. GroupID and DeduplicationID are 1–128 ASCII
// letters, digits and punctuation marks. MessageStructure "json" takes a
// JSON object with a "default" key and, per protocol, the body for that
// protocol's subscriptions, each a string (possibly empty); other keys may
// hold anything and are ignored, and no key may appear twice. Deliveries
// of such a message carry no attributes: neither the envelopes'
// MessageAttributes nor those of raw delivery to a queue. Batches hold 1–10 entries with distinct IDs of 1–80
// characters of [A-Za-z0-9_-] and MaxMessageSize bytes in all. A
// confirmation token is valid for 3 days.
//
// # Errors
//
// Every error wraps a sentinel of this package with the topic's name and
// the operation: branch with errors.Is. Bad input (ErrEmptyMessage,
// ErrInvalidMessage, ErrMessageTooLarge, ErrInvalidAttribute,
// ErrGroupIDRequired, ErrDeduplicationIDRequired, ErrInvalidID, the batch
// errors, ErrInvalidEndpoint, ErrInvalidFilterPolicy, ErrInvalidConfig)
// changes nothing. In a batch, a bad entry fails alone, in its result.
// ErrSubscriptionNotFound, ErrInvalidToken, ErrTokenExpired and ErrClosed
// name the other states. Endpoint errors never reach the publisher: they
// drive retries and show in the counters and the dead-letter queue.
//
// # Concurrency
//
// A Topic is safe for concurrent use. Flush blocks until the whole topic
// is idle, and Close until the endpoint calls in progress return; no
// other method blocks beyond the topic's lock. One mutex guards the
// subscriptions' queues, the timer heap and the counters; it is never held
// while calling an endpoint or a dead-letter queue. Publish on a
// standard topic evaluates the filter policies without it, from a
// copy-on-write list of subscriptions, each distinct policy (same text and
// scope) once per message however many subscriptions share it; a FIFO
// topic's Publish holds the lock throughout, filtering included, so that
// every subscription gets its messages in sequence order. Publish never
// waits for deliveries: a producer faster than its endpoints grows the
// subscriptions' queues (Stats.Pending), with no limit.
//
// Each subscription has its own queue of deliveries and a bound on how
// many run at once (MaxConcurrency: by default a quarter of the Workers
// for HTTP, email, SMS and push subscriptions, half for queues and
// functions; 1 on a FIFO topic). Three fixed pools of Workers goroutines
// serve them, one for queue subscriptions, one for functions and one for
// the customer endpoints (HTTP, email, SMS, push), taking ready
// subscriptions in turn (up to 64 deliveries at a time from a queue
// subscription, one from the others): a slow or failing endpoint holds at
// most its MaxConcurrency workers of its own pool, never delays a queue or
// function subscription unless it is one, and takes the whole customer
// pool only with four or more such subscriptions; a topic with a thousand
// subscriptions delivers in parallel with no goroutine per message or per
// queue or function delivery. An HTTP call runs on a goroutine of its own
// and has HTTPTimeout (15 s on the topic's clock) to answer: then its
// request's context is cancelled and the delivery fails, to be retried. A
// handler or transport that ignores the cancellation and goes on keeps its
// goroutine and one of its subscription's MaxConcurrency slots (not a
// worker) until it returns, and Close waits for it; one that never returns
// blocks Close. Flush also waits for it once its retry is due, since the
// retry cannot start while the slot is held.
//
// The pools are bounded, as the issue asks, so independence has a limit
// inside a pool: functions, mailers and senders have no timeout, and
// enough of them that never return (two functions with the default
// Workers/2, four customer endpoints with Workers/4) hold every worker of
// their pool and stall the other subscriptions of that pool, never those
// of the other pools. Give such endpoints a smaller MaxConcurrency or more
// Workers.
//
// Retries and throttle waits sit in one heap per topic, ordered by time,
// with one clock timer armed to the earliest: a *clock.Mock's Add drives
// them (its timer callbacks run on goroutines of their own, so a test
// moves the clock to each retry's instant and then calls Flush, or waits,
// as the tests do with testing/synctest). Endpoint calls get a context
// that Close cancels.
//
// Close abandons the deliveries not made (a worker amid a batch of a
// queue subscription's deliveries stops after the call in progress, as it
// does when that subscription is unsubscribed), wakes
// Flush with ErrClosed and waits for the workers, so for endpoint calls in
// progress to return; after it every call returns ErrClosed (Stats still
// answers).
//
// # Differences from AWS
//
//   - Envelopes delivered to queues are unsigned unless
//     TopicConfig.SignQueueMessages is set (SNS signs every envelope), so
//     fan-out to queues pays no RSA signature; and they are built once per
//     message and shared by every queue subscription, so their
//     UnsubscribeURL names the topic (…?Action=Unsubscribe&TopicArn=…)
//     rather than the subscription. HTTP, email-json and function
//     deliveries name the subscription, as SNS does.
//   - Retries are not jittered: each comes exactly at the delay the
//     schedule gives, so tests can assert the instants. The shapes of the
//     backoff functions are a model (SNS publishes only a graph), and the
//     AWS-managed and customer schedules count their phases as retries
//     after the first attempt.
//   - The signing certificate is self-signed (unless
//     TopicConfig.SigningCertificate supplies one) and served nowhere: a
//     handler takes it from CertificatePEM instead of fetching
//     SigningCertURL.
//   - Confirmation is by ConfirmSubscription(token); nothing listens at
//     SubscribeURL. Subscription ARNs are real ARNs while pending (SNS
//     lists "PendingConfirmation"); Subscribe makes a new subscription
//     even for an endpoint already subscribed. Email confirmation needs
//     no unsubscribe link; UnsubscribeConfirmation is not sent.
//   - An HTTP 4xx, 429 included, fails the delivery for good, as SNS's
//     documentation says of client errors; a panicking handler or function
//     is a failure to retry. Only HTTP calls have a timeout (HTTPTimeout,
//     15 s); functions, mailers and senders get the context Close cancels
//     and may take as long as they like, holding a worker of their pool.
//   - A function's errors are retried on the SNS schedule for AWS-managed
//     endpoints (3 immediate, 2 × 1 s, 10 backoff to 20 s, then 20 s
//     apart), as if SNS could not reach Lambda at all. A real Lambda
//     subscription is invoked asynchronously: SNS's retries cover only
//     failing to hand the event to Lambda, and a function that fails is
//     retried by Lambda itself, twice, then sent to the function's own
//     dead-letter queue or destination. Here the subscription's DeadLetter
//     takes that role.
//   - A message may carry any number of attributes, as in SNS; raw
//     delivery to a queue of one with more than 10 fails for good.
//   - FIFO deduplication is topic-wide (FifoThroughputScope Topic); there
//     are no FIFO throughput quotas.
//   - Dead letters of a raw subscription carry the message's attributes
//     only when they fit in 10 with the three error attributes.
//   - Not implemented: Firehose endpoints, data protection and message
//     archiving, topic attributes changed after creation, tracing,
//     delivery status logging, subscription and topic policies
//     (cross-account) and redelivery of confirmations by request.
package pubsub
