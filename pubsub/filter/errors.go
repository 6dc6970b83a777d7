package filter

import (
	"errors"
	"fmt"
)

// Errors of Parse and ParseScope. A policy that Parse refuses is one that
// SNS would refuse when it is set on a subscription; the error wraps
// ErrInvalidPolicy with the reason, in the words of the SNS error message
// where SNS has one ("Filter policy can not have more than 5 keys",
// "Bottom must be less than top", ...).
var (
	// ErrInvalidPolicy is returned by Parse for a policy that is not JSON,
	// not a JSON object, larger than 256 KiB, has more than 5 keys or more
	// than 150 combinations, nests keys in MessageAttributes scope, or uses
	// an operator in a way SNS does not accept.
	ErrInvalidPolicy = errors.New("filter: invalid filter policy")

	// ErrInvalidScope is returned by ParseScope for a name other than
	// MessageAttributes and MessageBody, and by Parse for a Scope value
	// other than the two constants.
	ErrInvalidScope = errors.New("filter: invalid filter policy scope")
)

// detail returns ErrInvalidPolicy wrapped with a reason.
func detail(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPolicy}, args...)...)
}
