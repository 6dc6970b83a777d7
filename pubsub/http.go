package pubsub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handler is an HTTPS endpoint served in process: the topic calls h with a
// POST request as SNS makes it (the SNS headers, the signed Notification
// envelope as the body, or the raw body with RawMessageDelivery) and reads
// the status the handler writes: 2xx is delivered, 4xx a permanent failure
// (SNS does not retry client errors), anything else (or a panic, or no
// answer within HTTPTimeout) is retried by the subscription's
// DeliveryPolicy. h runs on a goroutine of its own; at the timeout its
// request's context is cancelled, and a handler that goes on anyway holds
// one of the subscription's MaxConcurrency slots until it returns (Close
// waits for it). The subscription waits for confirmation: h first
// receives a SubscriptionConfirmation, and nothing else until
// ConfirmSubscription is called with its Token.
func Handler(h http.Handler) Endpoint {
	return Endpoint{&httpEndpoint{h: h, url: "https://localhost/"}}
}

// URL is an HTTP or HTTPS endpoint reached with client, which the caller
// supplies (stratus opens no connection itself): requests, statuses,
// timeout and confirmation as for Handler; a transport error is retried.
func URL(client *http.Client, rawURL string) Endpoint {
	return Endpoint{&httpEndpoint{client: client, url: rawURL}}
}

type httpEndpoint struct {
	h      http.Handler
	client *http.Client
	url    string
}

func (e *httpEndpoint) protocol() Protocol {
	if strings.HasPrefix(e.url, "http://") {
		return ProtocolHTTP
	}
	return ProtocolHTTPS
}

func (e *httpEndpoint) address() string { return e.url }

func (e *httpEndpoint) check() error {
	if e.h == nil && e.client == nil {
		return fmt.Errorf("%w: Handler or URL with a nil target", ErrInvalidEndpoint)
	}
	u, err := url.Parse(e.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: URL %q, want http:// or https:// and a host", ErrInvalidEndpoint, e.url)
	}
	return nil
}

func (e *httpEndpoint) deliver(ctx context.Context, d *delivery) error {
	var body string
	if d.raw() {
		body = d.m.bodyFor(e.protocol())
	} else {
		body = d.m.envelope(d.t, e.protocol(), true).json(d.s.unsubscribeURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	h := req.Header
	h.Set("x-amz-sns-message-type", "Notification")
	h.Set("x-amz-sns-message-id", d.m.id)
	h.Set("x-amz-sns-topic-arn", d.t.cfg.arn)
	h.Set("x-amz-sns-subscription-arn", d.s.arn)
	if d.raw() {
		h.Set("x-amz-sns-rawdelivery", "true")
	}
	return e.call(ctx, d, req)
}

func (e *httpEndpoint) confirm(ctx context.Context, d *delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(d.s.confirmationJSON(d.t)))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("x-amz-sns-message-type", "SubscriptionConfirmation")
	req.Header.Set("x-amz-sns-message-id", d.s.confirmID)
	req.Header.Set("x-amz-sns-topic-arn", d.t.cfg.arn)
	return e.call(ctx, d, req)
}

// HTTPTimeout is how long an HTTP or HTTPS endpoint has to answer a
// delivery or a confirmation, on the topic's clock, as SNS gives it: a
// call that takes longer is a failure, retried by the delivery policy.
const HTTPTimeout = 15 * time.Second

var errHTTPTimeout = fmt.Errorf("did not answer within %v: %w", HTTPTimeout, context.DeadlineExceeded)

// httpCall is one request running on a goroutine of its own. Its fields
// but done are guarded by the topic's mu.
type httpCall struct {
	err       error
	finished  bool // the request returned
	abandoned bool // timed out first: it holds a slot of its subscription
	done      chan struct{}
}

// call makes the request on a goroutine of its own and waits for it at
// most HTTPTimeout. A request that takes longer has its context cancelled
// and fails, to be retried; its goroutine runs on until the handler or the
// client returns, holding one of the subscription's MaxConcurrency slots
// (not a worker), and Close waits for it.
func (e *httpEndpoint) call(ctx context.Context, d *delivery, req *http.Request) error {
	t, s := d.t, d.s
	// A plain context cancelled by a clock timer, not the clock's own
	// WithTimeout: a *clock.Mock's context reads its error unguarded and
	// reports a Deadline on the mock's time, which real code in the handler
	// (a dialer) would take for the real one.
	ctx, cancel := context.WithCancelCause(ctx)
	tm := t.cfg.Clock.AfterFunc(HTTPTimeout, func() { cancel(errHTTPTimeout) })
	defer func() { tm.Stop(); cancel(nil) }()
	req = req.WithContext(ctx)
	c := &httpCall{done: make(chan struct{})}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		err := e.send(req, s.cfg.ctype)
		t.mu.Lock()
		c.err, c.finished = err, true
		if c.abandoned {
			s.lingering--
			t.kickLocked(s)
		}
		t.mu.Unlock()
		close(c.done)
	}()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.finished {
		return c.err
	}
	c.abandoned = true
	s.lingering++
	return fmt.Errorf("pubsub: http endpoint: %w", context.Cause(ctx))
}

// send makes the request and turns the status into an error.
func (e *httpEndpoint) send(req *http.Request, contentType string) (err error) {
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	status := http.StatusOK
	if e.h != nil {
		w := &responseWriter{header: http.Header{}}
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("pubsub: http handler panicked: %v", r)
			}
		}()
		e.h.ServeHTTP(w, req)
		if w.status != 0 {
			status = w.status
		}
	} else {
		resp, err := e.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		status = resp.StatusCode
	}
	switch {
	case status >= 200 && status < 300:
		return nil
	case status >= 400 && status < 500:
		return Permanent(&StatusError{status})
	}
	return &StatusError{status}
}

// responseWriter records the status a handler writes and discards the
// body.
type responseWriter struct {
	header http.Header
	status int
}

func (w *responseWriter) Header() http.Header { return w.header }
func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
