package blob

import (
	"fmt"
	"strings"

	"github.com/benbjohnson/clock"
)

// DefaultName is the name of a bucket whose Config leaves Name empty.
const DefaultName = "bucket"

// Config describes a bucket. Its zero value is a bucket named "bucket" on
// the real clock.
type Config struct {
	// Name follows the S3 rules for general-purpose bucket names: 3–63
	// characters of lowercase letters, digits, dots and hyphens, beginning
	// and ending with a letter or digit, with no two adjacent periods, not
	// formatted as an IP address (192.168.5.4), not beginning with "xn--",
	// "sthree-" or "amzn-s3-demo-" and not ending with "-s3alias",
	// "--ol-s3", ".mrap", "--x-s3" or "--table-s3". Empty means "bucket".
	Name string

	// Clock gives every object its LastModified time. Nil means the real
	// clock.
	Clock clock.Clock
}

func invalid(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolve applies the defaults in one place and checks every field.
func resolve(c Config) (Config, error) {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if msg := bucketNameProblem(c.Name); msg != "" {
		return c, invalid("Name", fmt.Sprintf("%q", c.Name), "an S3 bucket name: "+msg)
	}
	if c.Clock == nil {
		c.Clock = clock.New()
	}
	return c, nil
}

// bucketNameProblem says what is wrong with an S3 general-purpose bucket
// name, or returns "" for a good one.
func bucketNameProblem(s string) string {
	if len(s) < 3 || len(s) > 63 {
		return "3–63 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return "only lowercase letters, digits, dots and hyphens"
		}
	}
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return "beginning and ending with a letter or digit"
	}
	if strings.Contains(s, "..") {
		return "no two adjacent periods"
	}
	if ipFormatted(s) {
		return "not formatted as an IP address"
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(s, p) {
			return "not beginning with " + p
		}
	}
	for _, p := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(s, p) {
			return "not ending with " + p
		}
	}
	return ""
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// ipFormatted reports whether s is four dot-separated runs of digits, as
// an IPv4 address is written. (Other forms of address have characters a
// bucket name cannot.)
func ipFormatted(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
