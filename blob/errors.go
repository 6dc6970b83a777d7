package blob

import "errors"

// Errors of the objects a bucket holds.
var (
	// ErrNotFound is returned by Get and Head for a key the bucket does not
	// hold (S3 NoSuchKey).
	ErrNotFound = errors.New("blob: no such key")

	// ErrCorrupt is returned by NewDir for an object file it cannot read:
	// a bad header, a size that does not match the file, or a key that is
	// not the one the file name says. Files were written elsewhere, or the
	// disk lost them; a crash while writing never leaves one.
	ErrCorrupt = errors.New("blob: corrupt object file")
)

// Errors of bad input. Each is wrapped with the detail (which field, which
// value, which limit); none changes the bucket.
var (
	// ErrInvalidConfig is returned by NewMemory and NewDir for a Config field
	// out of range: a bucket name S3 would refuse, or an empty path.
	ErrInvalidConfig = errors.New("blob: invalid config")

	// ErrInvalidKey is returned for a key that is empty, longer than 1,024
	// bytes or not valid UTF-8 (S3 KeyTooLongError, InvalidArgument).
	ErrInvalidKey = errors.New("blob: invalid key")

	// ErrInvalidArgument is returned for a bad option: user metadata over
	// 2 KB or with a bad name or value, a bad content type, MaxKeys out of
	// range, a continuation token this package did not issue, or a Prefix or
	// StartAfter that is not valid UTF-8 (S3 InvalidArgument).
	ErrInvalidArgument = errors.New("blob: invalid argument")
)
