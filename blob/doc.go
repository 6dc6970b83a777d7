// Package blob is an in-process object store with the semantics of Amazon
// S3 buckets: objects under UTF-8 keys, with a content type, user metadata,
// an MD5 ETag and a last-modified time from an injectable clock, listed in
// key order a page at a time. Other stratus packages keep large payloads
// in a bucket through the small Bucket interface.
//
// # Semantics
//
// There are two kinds of bucket. A *Memory (NewMemory) holds its objects in
// memory. A *Dir (NewDir) keeps them in a folder, one file per object, and
// a later NewDir of the folder opens them again. Both behave the same
// through Bucket:
//
//   - Put stores the object read from a body to its end under a key,
//     replacing any object there, and returns its info: Size, ETag (the hex
//     MD5 of the body), ContentType (by default "binary/octet-stream"),
//     user Metadata and LastModified (the clock's time when the body was
//     read to its end, in UTC). Put copies the body and the options: changing
//     either afterwards changes nothing stored.
//   - Get returns a reader over the body and the info. The body is the
//     object as it was when Get returned; a later Put or Delete of the key
//     does not change what the reader reads. Head returns only the info.
//     Both return ErrNotFound for a key the bucket does not hold.
//   - Delete removes an object; deleting a missing key is not an error.
//   - List returns the objects whose keys begin with a Prefix, after a
//     StartAfter key, in UTF-8 binary (byte) order, at most MaxKeys (1,000)
//     in a page, with IsTruncated and a NextContinuationToken for the next
//     page, as ListObjectsV2 does. A page reflects the bucket when List
//     was called; the token resumes after the last key returned, so keys
//     added behind it are not listed and keys added ahead of it are.
//
// PutBytes and GetBytes put and get a whole body as a []byte.
//
// A Dir writes each Put to a temp file under root/tmp, computing the MD5
// as the body streams, syncs it, renames it over the object's file under
// root/objects and syncs that folder: an object file is never seen half
// written, and a crash during a Put leaves the old object (or none) and a
// temp file that the next NewDir removes. An object's file is named by the
// SHA-256 of its key, so every key, "../../etc/passwd" or "a\x00b" alike,
// maps to a path inside the root. The info of every object is kept in
// memory (NewDir reads each file's header), so Head and List do not touch
// the disk. A Put streams its body to the file through one 128 KiB buffer,
// and Get's reader reads from the file, so neither holds an object in
// memory, whatever its size. A Memory reads each body into one slice.
//
// # Limits and defaults
//
//	Bucket name     3–63 characters, S3's rules (see Config.Name); default "bucket"
//	Key             1–1,024 bytes of valid UTF-8, any characters
//	Metadata        names and values at most 2 KB (2,048 bytes) in all;
//	                names HTTP tokens, stored in lower case; values UTF-8
//	                without control characters
//	Content type    at most 1,024 bytes, UTF-8 without control characters
//	Object size     no limit but memory (Memory) or disk (Dir)
//	MaxKeys         1–1,000; 0 means 1,000
//
// # Errors
//
// Every error wraps a sentinel of this package with the bucket's name, the
// operation and the key: branch with errors.Is. Bad input (ErrInvalidKey,
// ErrInvalidArgument, ErrInvalidConfig) changes nothing. ErrNotFound is a
// missing key for Get and Head. NewDir returns ErrCorrupt for an object
// file it cannot read. Errors from a body's reader and from the file
// system are wrapped as they come. A call whose context is done when it
// starts, or a Put whose context is done before its body ends, returns
// ctx.Err() unwrapped and changes nothing.
//
// # Concurrency
//
// Memory and Dir are safe for concurrent use and own no goroutines, so
// neither has a Close. Each guards its objects with one RWMutex, held only
// to look up or replace an object, never while a body is read or written;
// concurrent Puts of one key leave the one that finished last. A Dir takes
// the lock to rename a new object file into place, and Get opens the file
// under it, so the file it reads is the one its info describes. Only one
// Dir may use a folder at a time, in one process.
//
// Time comes only from Config.Clock: with a *clock.Mock, LastModified is
// the mock's time.
//
// # Differences from AWS
//
//   - No versioning, multipart uploads, ranges in Get (a Dir's reader is an
//     io.ReadSeeker and io.ReaderAt), conditional requests, tags, ACLs,
//     storage classes, checksums other than MD5, or server-side encryption.
//   - ETag is the hex MD5 without the double quotes S3 puts around it, for
//     every object whatever its size (S3's ETag of a multipart upload is
//     not an MD5).
//   - Strong consistency, as S3 has today, and within one process only.
//   - List has no Delimiter and so no CommonPrefixes, and no FetchOwner.
//     Its ObjectInfo carries ContentType and Metadata, which
//     ListObjectsV2 does not return.
//   - MaxKeys over 1,000 is an error (S3 returns at most 1,000), and 0
//     means 1,000 (S3 returns an empty page).
//   - LastModified keeps the clock's full precision; S3 keeps seconds in
//     headers and milliseconds in listings.
//   - A content type over 1,024 bytes is refused; S3 bounds it only by its
//     8 KB of request headers.
//   - Metadata values may be any UTF-8 without control characters; S3's
//     REST API carries non-ASCII values RFC 2047-encoded.
package blob
