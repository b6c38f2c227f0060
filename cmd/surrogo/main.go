// Command surrogo runs the experiments of the surrogo toolkit headless: solving diffusion
// problems, generating data sets, training and evaluating surrogates, and computing the
// results behind every figure of the reproduced papers.
//
// Usage:
//
//	surrogo <command> [flags]
//
// Run `surrogo --help` for the list of commands and `surrogo <command> --help` for the flags
// of one command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/pkg/datastore"
)

// command is one subcommand of surrogo. Each file of this package registers its commands
// from an init function, so that adding a command touches no other file.
type command struct {
	name    string // as typed, e.g. "solve" or "data gen"
	summary string // one line for `surrogo --help`
	run     func(args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("surrogo: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError marks an error caused by the user's input (flags, configuration files): surrogo
// exits with status 2 for it and 1 for any other error.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badInput wraps err as a usage error (exit status 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// badInputf formats a usage error (exit status 2).
func badInputf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// reportedError is an error that the command has already reported (in its log): surrogo exits
// with status 1 for it without printing it again.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }

// oneLine joins the lines of a message with "; ", so that a usage error is one line.
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "; ")
}

// newFlags returns a flag set for command name whose -h/--help output shows the usage line,
// the description and every flag with its default.
func newFlags(name, usage, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("surrogo "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by main
	fs.Usage = func() {
		w := os.Stdout
		fmt.Fprintf(w, "Usage: surrogo %s %s\n\n%s\n\nFlags:\n", name, usage, strings.TrimSpace(description))
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args with fs. It returns errHelp after printing the help for -h/--help,
// and a usage error for a bad flag or unexpected positional arguments when maxArgs >= 0.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package calls it on every error: print it for -h/--help only
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return errHelp
		}
		return badInputf("%v (see --help)", err)
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		return badInputf("unexpected arguments %q (see --help)", fs.Args()[maxArgs:])
	}
	return nil
}

var errHelp = errors.New("help shown")

// Every command validates all of its inputs (flags, files, environment) before it does any
// work: an invalid input is a usage error (exit status 2) whose one-line message names it. The
// helpers below are the checks shared by several commands.

// checkOutDir refuses an output directory that exists as something else than a directory, or
// whose path cannot be a directory (a parent is a file).
func checkOutDir(flagName, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return badInputf("%s: %s is a file, not a directory", flagName, dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return badInputf("%s: %s cannot be a directory: %v", flagName, dir, errors.Unwrap(err))
	}
	return nil
}

// checkOutFile refuses an output file that exists as a directory, or whose path cannot be a file
// (a parent is a file).
func checkOutFile(flagName, path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return badInputf("%s: %s is a directory, not a file", flagName, path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return badInputf("%s: %s cannot be written: %v", flagName, path, errors.Unwrap(err))
	}
	return nil
}

// lockedInput turns the error of a writer that found its directory locked by another process
// (datastore.LockedError) into a usage error; other errors are returned as they are.
func lockedInput(flagName string, err error) error {
	var le *datastore.LockedError
	if errors.As(err, &le) {
		return badInputf("%s: %v", flagName, le)
	}
	return err
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printHelp(os.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// Longest matching command name: "data gen" before "data".
	var cmd *command
	var rest []string
	for n := min(len(args), 3); n >= 1; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			cmd, rest = c, args[n:]
			break
		}
	}
	if cmd == nil {
		if group := groupCommands(args[0]); len(group) > 0 {
			fmt.Fprintf(os.Stderr, "surrogo %s: missing subcommand; one of:\n", args[0])
			for _, c := range group {
				fmt.Fprintf(os.Stderr, "  surrogo %-14s %s\n", c.name, c.summary)
			}
			return 2
		}
		fmt.Fprintf(os.Stderr, "surrogo: unknown command %q (see surrogo --help)\n", strings.Join(args, " "))
		return 2
	}
	err := cmd.run(rest)
	switch {
	case err == nil || errors.Is(err, errHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(os.Stderr, "surrogo %s: %s\n", cmd.name, oneLine(err.Error()))
		return 2
	case errors.As(err, new(reportedError)):
		return 1
	default:
		fmt.Fprintf(os.Stderr, "surrogo %s: %v\n", cmd.name, err)
		return 1
	}
}

func groupCommands(prefix string) []*command {
	var out []*command
	for name, c := range commands {
		if strings.HasPrefix(name, prefix+" ") {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `surrogo: neural-network surrogates of the steady-state diffusion equation.

Usage: surrogo <command> [flags]      (surrogo <command> --help for its flags)

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Environment:
  GOMLX_BACKEND   backend for models: "go" (pure Go, the default) or "stablehlo:cuda" (XLA on an
                  NVIDIA GPU; see the README's GPU section)
Exit status: 0 success, 1 failure while running, 2 bad command line or bad input.
`)
}
