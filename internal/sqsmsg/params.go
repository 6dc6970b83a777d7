package sqsmsg

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidParameter is returned for a call parameter out of range.
var ErrInvalidParameter = errors.New("queue: invalid parameter")

// Limits of a receive, the same for both kinds of queue.
const (
	MaxMessagesPerReceive = 10
	MaxVisibilityTimeout  = 12 * time.Hour
	MaxReceiveWaitTime    = 20 * time.Second
)

// CheckVisibility returns ErrInvalidParameter, wrapped, for a visibility
// timeout outside 0–12 h.
func CheckVisibility(d time.Duration) error {
	if d < 0 || d > MaxVisibilityTimeout {
		return fmt.Errorf("%w: VisibilityTimeout = %v, want 0s–12h", ErrInvalidParameter, d)
	}
	return nil
}

// ReceiveParams applies a receive's options over the queue's settings (vis
// and wait) and checks them: max 1–10 (0 means 1), the visibility timeout
// 0–12 h, the wait 0–20 s. A nil option keeps the queue's setting.
func ReceiveParams(max int, optVis, optWait *time.Duration, vis, wait time.Duration) (int, time.Duration, time.Duration, error) {
	switch {
	case max == 0:
		max = 1
	case max < 1 || max > MaxMessagesPerReceive:
		return 0, 0, 0, fmt.Errorf("%w: MaxMessages = %d, want 1–10", ErrInvalidParameter, max)
	}
	if optVis != nil {
		vis = *optVis
		if err := CheckVisibility(vis); err != nil {
			return 0, 0, 0, err
		}
	}
	if optWait != nil {
		wait = *optWait
		if wait < 0 || wait > MaxReceiveWaitTime {
			return 0, 0, 0, fmt.Errorf("%w: WaitTime = %v, want 0s–20s", ErrInvalidParameter, wait)
		}
	}
	return max, vis, wait, nil
}
