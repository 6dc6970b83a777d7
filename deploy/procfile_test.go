package deploy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

func TestParseProcfile(t *testing.T) {
	ps, err := deploy.ParseProcfile("web: bin/server -port 5000\r\n\nworker_1:bin/worker\nqueue-2:   python q.py --x=1  \n")
	require.NoError(t, err)
	assert.Equal(t, []deploy.Process{
		{Name: "web", Command: "bin/server -port 5000"},
		{Name: "worker_1", Command: "bin/worker"},
		{Name: "queue-2", Command: "python q.py --x=1"},
	}, ps)

	ps, err = deploy.ParseProcfile("")
	require.NoError(t, err)
	assert.Empty(t, ps)

	bad := []struct {
		in   string
		line string
	}{
		{"web bin/server", "line 1"},
		{"web: ok\nweb:", "line 2"},
		{"web: ok\n\nweb:   ", "line 3"},
		{"# comment\nweb: x", "line 1"},
		{"w b: x", "line 1"},
		{"web.1: x", "line 1"},
		{": x", "line 1"},
		{"web: a\nweb: b", "line 2"}, // a name twice
	}
	for _, c := range bad {
		_, err := deploy.ParseProcfile(c.in)
		require.ErrorIs(t, err, deploy.ErrInvalidProcfile, "%q", c.in)
		assert.Contains(t, err.Error(), c.line, "%q", c.in)
		_, err = deploy.ParseBuildfile(c.in)
		require.ErrorIs(t, err, deploy.ErrInvalidBuildfile, "%q", c.in)
	}
}

// lineOK is the documented rule ^[A-Za-z0-9_-]+:\s*[^\s].*$ written out
// by hand, independently of the parser's regular expression: a name of
// letters, digits, '_' and '-', a colon, then at least one character that
// is not white space (\s is tab, newline, form feed, carriage return and
// space; a vertical tab is not) after any white space. It returns the name.
func lineOK(l string) (name string, ok bool) {
	i := 0
	for i < len(l) {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			break
		}
		i++
	}
	if i == 0 || i == len(l) || l[i] != ':' {
		return "", false
	}
	for _, c := range []byte(l[i+1:]) {
		switch c {
		case '\t', '\n', '\f', '\r', ' ':
			continue
		}
		return l[:i], true
	}
	return "", false
}

// fuzzProcLines checks a parser against lineOK: it accepts exactly the
// files whose non-blank lines all follow the rule, with distinct names,
// and returns one process per such line, which writes back as the line
// ("name:" and the command, trimmed); errors name a line.
func fuzzProcLines(t *testing.T, s string, parse func(string) ([]deploy.Process, error), sentinel error) {
	ps, err := parse(s)
	var lines []string
	valid := true
	names := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		name, ok := lineOK(l)
		if !ok || names[name] {
			valid = false
		}
		names[name] = true
		lines = append(lines, l)
	}
	if !valid {
		require.Error(t, err)
		require.True(t, errors.Is(err, sentinel))
		require.Contains(t, err.Error(), "line ")
		return
	}
	require.NoError(t, err)
	require.Len(t, ps, len(lines))
	for i, p := range ps {
		name, _ := lineOK(lines[i])
		require.Equal(t, name, p.Name)
		require.NotEmpty(t, p.Command)
		rest := strings.TrimPrefix(lines[i], p.Name+":")
		require.Equal(t, strings.Trim(rest, "\t\n\f\r "), p.Command, "the line, less the name and the white space around the command")
	}
}

func FuzzProcfile(f *testing.F) {
	f.Add("web: bin/server\nworker: bin/worker\n")
	f.Add("web bin/server")
	f.Fuzz(func(t *testing.T, s string) { fuzzProcLines(t, s, deploy.ParseProcfile, deploy.ErrInvalidProcfile) })
}

func FuzzBuildfile(f *testing.F) {
	f.Add("make: ./build.sh\n")
	f.Add("make:\n")
	f.Fuzz(func(t *testing.T, s string) { fuzzProcLines(t, s, deploy.ParseBuildfile, deploy.ErrInvalidBuildfile) })
}

// FuzzConfigFile: the parser never panics; what it accepts has commands
// in the order they run (by name; leader-only container commands first),
// each with a command line, and Plan lists them in that order, or skips
// the file it refuses.
func FuzzConfigFile(f *testing.F) {
	f.Add(`{"commands":{"b":{"command":"echo b"},"a":{"command":["echo","a"]}}}`)
	f.Add(`{"container_commands":{"m":{"command":"migrate","leader_only":true}}}`)
	f.Add(`{"commands":{"x":{"command":"x","leader_only":true}}}`)
	f.Add(`{"container_commands":{"a":{"command":"a"},"b":{"command":"b","leader_only":"true","test":"true"}}}`)
	f.Fuzz(func(t *testing.T, data string) {
		ext, err := deploy.ParseConfigFile("f.config", []byte(data))
		plan, perr := deploy.Plan(deploy.Bundle{Extensions: []deploy.ConfigFile{{Name: "f.config", Data: data}}})
		require.NoError(t, perr)
		if err != nil {
			require.ErrorIs(t, err, deploy.ErrInvalidConfigFile)
			require.Len(t, plan, 1)
			require.Equal(t, deploy.SkippedConfigFile, plan[0].Kind)
			return
		}
		all := append(append([]deploy.Command(nil), ext.Commands...), ext.ContainerCommands...)
		require.Len(t, plan, len(all))
		for i, c := range all {
			require.NotEmpty(t, c.Command)
			require.Equal(t, c.Name, plan[i].Name)
		}
		for i := 1; i < len(ext.Commands); i++ {
			require.Less(t, ext.Commands[i-1].Name, ext.Commands[i].Name)
		}
		// leader-only container commands first, each part by name
		cs := ext.ContainerCommands
		for i := 1; i < len(cs); i++ {
			require.False(t, !cs[i-1].LeaderOnly && cs[i].LeaderOnly, "leader-only first")
			if cs[i-1].LeaderOnly == cs[i].LeaderOnly {
				require.Less(t, cs[i-1].Name, cs[i].Name)
			}
		}
	})
}
