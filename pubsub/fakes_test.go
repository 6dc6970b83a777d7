package pubsub_test

import (
	"context"
	"sync"

	"github.com/stratus-go/stratus/pubsub"
)

// mailbox is a fake Mailer.
type mailbox struct {
	fail func(call int) error

	mu    sync.Mutex
	calls int
	mails []pubsub.EmailMessage
}

func (m *mailbox) SendEmail(_ context.Context, e pubsub.EmailMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.calls
	m.calls++
	if m.fail != nil {
		if err := m.fail(n); err != nil {
			return err
		}
	}
	m.mails = append(m.mails, e)
	return nil
}

func (m *mailbox) got() []pubsub.EmailMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]pubsub.EmailMessage(nil), m.mails...)
}

// phone is a fake SMSSender and PushSender.
type phone struct {
	mu   sync.Mutex
	sent []string
}

func (p *phone) SendSMS(_ context.Context, number, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, number+": "+text)
	return nil
}

func (p *phone) SendPush(_ context.Context, arn, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, arn+": "+text)
	return nil
}

func (p *phone) texts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}
