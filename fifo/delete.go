package fifo

import (
	"context"
	"time"

	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Delete deletes the message received with receiptHandle, which sets its
// group free for the next receive. The handle must be the message's latest
// and the message still in flight under it: once its visibility timeout has
// ended, or it has been received again, the call returns
// ErrReceiptHandleExpired and deletes nothing (on a FIFO queue this is an
// error; on a standard queue it is not). A repeated delete with the handle a
// message was deleted with returns nil until the handle's visibility
// timeout would have ended. A handle this queue never issued returns
// ErrReceiptHandleInvalid; over the quota, a *ThrottleError. It does not
// block.
func (q *Queue) Delete(ctx context.Context, receiptHandle string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := q.quotas.allow(actionDelete, q.cfg.Clock); err != nil {
		return q.errorf("delete", err)
	}
	if err := q.eng.Delete(receiptHandle); err != nil {
		return q.errorf("delete", err)
	}
	return nil
}

// DeleteBatch deletes up to 10 messages; each entry's outcome is the one
// Delete would give, in the result at its index. The request as a whole
// fails for no entries (ErrEmptyBatch), more than 10 (ErrTooManyEntries), a
// bad or repeated entry ID (ErrInvalidBatchEntryID,
// ErrBatchEntryIDsNotDistinct), over the quota (*ThrottleError) or after
// Close (ErrClosed).
func (q *Queue) DeleteBatch(ctx context.Context, entries []DeleteBatchEntry) ([]BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.quotas.allow(actionDelete, q.cfg.Clock); err != nil {
		return nil, q.errorf("delete batch", err)
	}
	if err := sqsmsg.CheckBatch(entries, func(e *DeleteBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("delete batch", err)
	}
	var hs [MaxBatchEntries]string
	var errs [MaxBatchEntries]error
	for i, e := range entries {
		hs[i] = e.ReceiptHandle
	}
	if err := q.eng.DeleteBatch(hs[:len(entries)], errs[:len(entries)]); err != nil {
		return nil, q.errorf("delete batch", err)
	}
	results := make([]BatchResult, len(entries))
	for i, e := range entries {
		results[i].ID = e.ID
		if errs[i] != nil {
			results[i].Err = q.errorf("delete batch: entry "+e.ID, errs[i])
		}
	}
	return results, nil
}

// ChangeVisibility hides the in-flight message of receiptHandle, and so its
// group, for timeout (0–12 h) from now; 0 makes it visible at once (and its
// group receivable again, the message first). It applies to this receipt
// only. The message may stay hidden at most 12 hours from the receive that
// issued the handle; beyond that the call returns ErrVisibilityTooLong and
// changes nothing. A handle whose visibility timeout has ended, or of a
// message received again since, or of a message gone any way but a delete
// with this handle, returns ErrReceiptHandleExpired. Other errors:
// ErrMessageNotInFlight (the message was deleted with this handle),
// ErrReceiptHandleInvalid, ErrInvalidParameter, *ThrottleError, ErrClosed.
// It does not block.
func (q *Queue) ChangeVisibility(ctx context.Context, receiptHandle string, timeout time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := q.quotas.allow(actionChangeVisibility, q.cfg.Clock); err != nil {
		return q.errorf("change visibility", err)
	}
	if err := sqsmsg.CheckVisibility(timeout); err != nil {
		return q.errorf("change visibility", err)
	}
	if err := q.eng.ChangeVisibility(receiptHandle, timeout); err != nil {
		return q.errorf("change visibility", err)
	}
	return nil
}

// ChangeVisibilityBatch changes up to 10 visibility timeouts; each entry's
// outcome is the one ChangeVisibility would give, in the result at its
// index. Whole-request errors are those of DeleteBatch.
func (q *Queue) ChangeVisibilityBatch(ctx context.Context, entries []ChangeVisibilityBatchEntry) ([]BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.quotas.allow(actionChangeVisibility, q.cfg.Clock); err != nil {
		return nil, q.errorf("change visibility batch", err)
	}
	if err := sqsmsg.CheckBatch(entries, func(e *ChangeVisibilityBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("change visibility batch", err)
	}
	results := make([]BatchResult, len(entries))
	var hs []string
	var vis []time.Duration
	var idx []int
	for i, e := range entries {
		results[i].ID = e.ID
		if err := sqsmsg.CheckVisibility(e.VisibilityTimeout); err != nil {
			results[i].Err = q.errorf("change visibility batch: entry "+e.ID, err)
			continue
		}
		hs = append(hs, e.ReceiptHandle)
		vis = append(vis, e.VisibilityTimeout)
		idx = append(idx, i)
	}
	errs := make([]error, len(hs))
	if err := q.eng.ChangeVisibilityBatch(hs, vis, errs); err != nil {
		return nil, q.errorf("change visibility batch", err)
	}
	for j, i := range idx {
		if errs[j] != nil {
			results[i].Err = q.errorf("change visibility batch: entry "+entries[i].ID, errs[j])
		}
	}
	return results, nil
}
