package engine

import (
	"errors"
	"time"
)

// The engine's sentinels. The queue packages re-export them, so that code
// can branch on queue.ErrClosed and fifo.ErrClosed alike.
var (
	ErrClosed               = errors.New("queue: closed")
	ErrReceiptHandleInvalid = errors.New("queue: receipt handle is invalid")
	ErrReceiptHandleExpired = errors.New("queue: receipt handle has expired")
	ErrMessageNotInFlight   = errors.New("queue: message not in flight")
	ErrVisibilityTooLong    = errors.New("queue: visibility timeout exceeds 12 hours from receive")
	ErrOverLimit            = errors.New("queue: too many messages in flight")
)

// MaxVisibility is the longest a message can stay hidden, counted from the
// receive that issued its handle.
const MaxVisibility = 12 * time.Hour
