package deploy

import (
	"fmt"
	"regexp"
	"strings"
)

// Process is one line of a Procfile or Buildfile: a name and the command
// it runs.
type Process struct {
	Name    string
	Command string
}

// reSpace is what \s matches in the rule (RE2: no vertical tab).
const reSpace = "\t\n\f\r "

// procLine is the documented rule for Procfile and Buildfile lines.
var procLine = regexp.MustCompile(`^[A-Za-z0-9_-]+:\s*[^\s].*$`)

// ParseProcfile parses a Procfile: one long-running process per line,
// "name: command", each line matching ^[A-Za-z0-9_-]+:\s*[^\s].*$. The web
// process is the one the proxy sends requests to. Lines may end in CRLF;
// blank lines are skipped; anything else that does not match, or a name
// used twice, returns an error wrapping ErrInvalidProcfile that names the
// line. The result is in file order. An empty file returns no processes.
func ParseProcfile(s string) ([]Process, error) {
	return parseProcLines(s, ErrInvalidProcfile)
}

// ParseBuildfile parses a Buildfile: the same syntax as a Procfile, for
// short build commands Elastic Beanstalk runs once per deployment and does
// not watch. Errors wrap ErrInvalidBuildfile and name the line.
func ParseBuildfile(s string) ([]Process, error) {
	return parseProcLines(s, ErrInvalidBuildfile)
}

func parseProcLines(s string, sentinel error) ([]Process, error) {
	var out []Process
	seen := map[string]int{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		n := i + 1
		if !procLine.MatchString(line) {
			return nil, fmt.Errorf("%w: line %d: %q is not \"name: command\"", sentinel, n, line)
		}
		name, cmd, _ := strings.Cut(line, ":")
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("%w: line %d: process %q already defined on line %d", sentinel, n, name, prev)
		}
		seen[name] = n
		out = append(out, Process{Name: name, Command: strings.Trim(cmd, reSpace)})
	}
	return out, nil
}
