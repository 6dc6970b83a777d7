package deploy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ConfigFile is a file of the bundle's .ebextensions folder.
type ConfigFile struct {
	Name string // the file name, such as "01-packages.config"
	Data string // its contents: JSON (YAML is not read; see ParseConfigFile)
}

// Extension is what ParseConfigFile reads of an .ebextensions file: its
// commands and container commands. Other keys are accepted and not
// modelled.
type Extension struct {
	Commands []Command // in alphabetical order of name
	// ContainerCommands are in the order Elastic Beanstalk runs them: the
	// leader-only ones first, then the others, each in alphabetical order
	// of name.
	ContainerCommands []Command
}

// Command is an entry of commands or container_commands.
type Command struct {
	Name         string
	Command      string // the command; an array of words is joined with spaces
	LeaderOnly   bool   // container_commands only: run on the leader instance only, before the other container commands; it takes precedence over test
	IgnoreErrors bool
}

// configKeys are the keys an .ebextensions file may have.
var configKeys = []string{
	"Outputs", "Resources", "commands", "container_commands", "files", "groups",
	"option_settings", "packages", "services", "sources", "users",
}

// commandKeys are the keys a command may have, matched exactly.
var commandKeys = []string{"command", "cwd", "env", "ignoreErrors", "leader_only", "test"}

// ParseConfigFile reads an .ebextensions file written in JSON (Elastic
// Beanstalk reads YAML or JSON; this package reads JSON only, with the
// standard library). The file must be one JSON object whose keys are among
// option_settings, packages, groups, users, sources, files, commands,
// services, container_commands, Resources and Outputs; each command needs a
// "command" string or array of strings, and leader_only is allowed in
// container_commands only. Commands come back in the order Elastic
// Beanstalk runs them in: by name, except that leader-only container
// commands run before the other container commands (and a command that is
// leader-only and has a test is leader-only: leader_only takes
// precedence). Anything else returns an error wrapping
// ErrInvalidConfigFile.
func ParseConfigFile(name string, data []byte) (Extension, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return Extension{}, fmt.Errorf("%w: %s: not a JSON object", ErrInvalidConfigFile, name)
	}
	for k := range top {
		if !slices.Contains(configKeys, k) {
			return Extension{}, fmt.Errorf("%w: %s: unknown key %q", ErrInvalidConfigFile, name, k)
		}
	}
	var ext Extension
	var err error
	if ext.Commands, err = parseCommands(name, "commands", top["commands"], false); err != nil {
		return Extension{}, err
	}
	if ext.ContainerCommands, err = parseCommands(name, "container_commands", top["container_commands"], true); err != nil {
		return Extension{}, err
	}
	return ext, nil
}

func parseCommands(file, key string, raw json.RawMessage, container bool) ([]Command, error) {
	if raw == nil {
		return nil, nil
	}
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %s: not an object of commands", ErrInvalidConfigFile, file, key)
	}
	out := make([]Command, 0, len(m))
	for name, fields := range m {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: %s.%s: %s", ErrInvalidConfigFile, file, key, name, fmt.Sprintf(format, args...))
		}
		for k := range fields {
			if !slices.Contains(commandKeys, k) {
				return nil, bad("unknown key %q", k)
			}
		}
		c := Command{Name: name}
		var s string
		var words []string
		switch raw := fields["command"]; {
		case json.Unmarshal(raw, &s) == nil:
			c.Command = s
		case json.Unmarshal(raw, &words) == nil:
			c.Command = strings.Join(words, " ")
		}
		if strings.TrimSpace(c.Command) == "" {
			return nil, bad("command must be a non-empty string or array of strings")
		}
		var err error
		if c.IgnoreErrors, err = boolish(fields["ignoreErrors"]); err != nil {
			return nil, bad("ignoreErrors: %v", err)
		}
		if _, ok := fields["leader_only"]; ok && !container {
			return nil, bad("leader_only is for container_commands")
		}
		if c.LeaderOnly, err = boolish(fields["leader_only"]); err != nil {
			return nil, bad("leader_only: %v", err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Command) int {
		if a.LeaderOnly != b.LeaderOnly {
			if a.LeaderOnly {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// boolish reads a JSON boolean, or the strings "true" and "false" that
// configuration files often use.
func boolish(raw json.RawMessage) (bool, error) {
	if raw == nil {
		return false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, err
	}
	switch b := v.(type) {
	case nil:
		return false, nil
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("%v is not a boolean", v)
}

// StepKind is the kind of a step of a deployment on an instance.
type StepKind int

const (
	ExtensionCommand  StepKind = iota // an .ebextensions command
	PrebuildHook                      // a .platform/hooks/prebuild file
	BuildCommand                      // a Buildfile line
	ContainerCommand                  // an .ebextensions container_command
	PredeployHook                     // a .platform/hooks/predeploy file
	StartProcess                      // a Procfile line
	PostdeployHook                    // a .platform/hooks/postdeploy file
	SkippedConfigFile                 // an .ebextensions file skipped for a validation error
)

func (k StepKind) String() string {
	switch k {
	case ExtensionCommand:
		return "commands"
	case PrebuildHook:
		return "prebuild"
	case BuildCommand:
		return "Buildfile"
	case ContainerCommand:
		return "container_commands"
	case PredeployHook:
		return "predeploy"
	case StartProcess:
		return "Procfile"
	case PostdeployHook:
		return "postdeploy"
	case SkippedConfigFile:
		return "skipped"
	}
	return fmt.Sprintf("StepKind(%d)", int(k))
}

// Step is one thing a deployment does on an instance.
type Step struct {
	Kind StepKind
	// File is the .ebextensions file of a command or a skipped file, and
	// "Procfile", "Buildfile" or ".platform/hooks/<phase>" otherwise.
	File string
	// Name is the command's, process's or hook's name.
	Name string
	// Command is the command line; for a skipped file, why it was skipped.
	Command    string
	LeaderOnly bool

	hook *Hook
}

func (s Step) String() string {
	if s.Kind == SkippedConfigFile {
		return fmt.Sprintf("skipped %s: %s", s.File, s.Command)
	}
	return fmt.Sprintf("%s %s/%s", s.Kind, s.File, s.Name)
}

// Plan lists, in order, what a deployment of a bundle does on each
// instance, in the order of the Amazon Linux 2 platforms: the commands of
// the .ebextensions files (files in alphabetical order, commands in
// alphabetical order of name), the prebuild hooks, the Buildfile, the
// container_commands (the leader-only ones first, as the documentation
// says, then the others, each part in the same order of files and names),
// the predeploy hooks, the Procfile's processes, the postdeploy hooks;
// hooks of a phase in lexicographic order of their names.
// Files not named *.config are ignored; a .config file that ParseConfigFile
// refuses is skipped whole and listed first as SkippedConfigFile. Plan
// returns an error for a Procfile or Buildfile that does not parse. Only
// hooks run code; the other steps are listed, not executed.
func Plan(b Bundle) ([]Step, error) {
	procs, err := ParseProcfile(b.Procfile)
	if err != nil {
		return nil, err
	}
	builds, err := ParseBuildfile(b.Buildfile)
	if err != nil {
		return nil, err
	}
	files := slices.Clone(b.Extensions)
	slices.SortStableFunc(files, func(x, y ConfigFile) int { return strings.Compare(x.Name, y.Name) })
	var skipped, commands, containers []Step
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".config") {
			continue
		}
		ext, err := ParseConfigFile(f.Name, []byte(f.Data))
		if err != nil {
			skipped = append(skipped, Step{Kind: SkippedConfigFile, File: f.Name, Command: err.Error()})
			continue
		}
		for _, c := range ext.Commands {
			commands = append(commands, Step{Kind: ExtensionCommand, File: f.Name, Name: c.Name, Command: c.Command})
		}
		for _, c := range ext.ContainerCommands {
			containers = append(containers, Step{Kind: ContainerCommand, File: f.Name, Name: c.Name, Command: c.Command, LeaderOnly: c.LeaderOnly})
		}
	}
	hooks := func(p Phase, kind StepKind) []Step {
		var out []Step
		for i := range b.Hooks {
			if h := &b.Hooks[i]; h.Phase == p {
				out = append(out, Step{Kind: kind, File: ".platform/hooks/" + p.String(), Name: h.Name, hook: h})
			}
		}
		slices.SortStableFunc(out, func(x, y Step) int { return strings.Compare(x.Name, y.Name) })
		return out
	}
	plan := append(skipped, commands...)
	plan = append(plan, hooks(Prebuild, PrebuildHook)...)
	for _, p := range builds {
		plan = append(plan, Step{Kind: BuildCommand, File: "Buildfile", Name: p.Name, Command: p.Command})
	}
	// leader-only container commands run before the others, whatever
	// their file
	slices.SortStableFunc(containers, func(x, y Step) int {
		switch {
		case x.LeaderOnly == y.LeaderOnly:
			return 0
		case x.LeaderOnly:
			return -1
		}
		return 1
	})
	plan = append(plan, containers...)
	plan = append(plan, hooks(Predeploy, PredeployHook)...)
	for _, p := range procs {
		plan = append(plan, Step{Kind: StartProcess, File: "Procfile", Name: p.Name, Command: p.Command})
	}
	plan = append(plan, hooks(Postdeploy, PostdeployHook)...)
	return plan, nil
}

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
