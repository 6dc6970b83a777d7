package pubsub

// Retry counts of the fixed schedules, for the tests.
var (
	ManagedRetries  = managedSchedule.retries()
	CustomerRetries = customerSchedule.retries()
)

// TokenOf returns the confirmation token of a subscription.
func TokenOf(s *Subscription) (string, bool) { return s.token, s.token != "" }

// Signing reports whether the topic has made (or was given) its signing
// key, and how many signatures it has made.
func Signing(t *Topic) (keyMade bool, signatures int64) {
	s := t.made.Load()
	if s == nil {
		return false, 0
	}
	return true, s.signatures.Load()
}
