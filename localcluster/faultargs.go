package localcluster

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// UsageError is a command line that cannot be right: flinksim exits with 2 for it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef makes a UsageError.
func Usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// ParseFlags parses flags that may come before, between or after the positional
// arguments, and returns the positional ones. flag.ErrHelp passes through; other
// flag errors are UsageErrors.
func ParseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, Usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

var (
	usageArg  = regexp.MustCompile(`(\[)?<([a-z-]+|pod[AB])>`)
	usageFlag = regexp.MustCompile(`--([a-z-]+)`)
)

// faultArg is one positional argument of a fault kind.
type faultArg struct {
	name     string
	optional bool
}

// args are the positional arguments of the kind, read from its usage.
func (k FaultKind) args() []faultArg {
	var out []faultArg
	for _, m := range usageArg.FindAllStringSubmatch(k.Usage, -1) {
		out = append(out, faultArg{name: m[2], optional: m[1] == "["})
	}
	return out
}

// flags are the flags that apply to the kind, read from its usage.
func (k FaultKind) flags() []string {
	var out []string
	for _, m := range usageFlag.FindAllStringSubmatch(k.Usage, -1) {
		out = append(out, m[1])
	}
	return out
}

// field is the Fault field a positional argument fills.
func (f *Fault) field(arg string) *string {
	switch arg {
	case "pod", "podA":
		return &f.Pod
	case "podB":
		return &f.PeerPod
	case "node":
		return &f.Node
	case "cluster-id":
		return &f.Cluster
	}
	panic(fmt.Sprintf("localcluster: FaultKinds names the argument <%s>, which no Fault field holds", arg))
}

// lookupFaultKind finds a kind, or says which there are.
func lookupFaultKind(kind string) (FaultKind, error) {
	for _, k := range FaultKinds {
		if k.Kind == kind {
			return k, nil
		}
	}
	var kinds []string
	for _, k := range FaultKinds {
		kinds = append(kinds, k.Kind)
	}
	return FaultKind{}, fmt.Errorf("unknown fault %q: choose one of %s (flinksim fault help says what each does)", kind, strings.Join(kinds, ", "))
}

// missingArgument says which required argument f lacks for its kind ("" when none).
func (k FaultKind) missingArgument(f *Fault) string {
	for _, a := range k.args() {
		if !a.optional && *f.field(a.name) == "" {
			return a.name
		}
	}
	return ""
}

// ParseFault reads the command line of flinksim fault: the kind, its positional
// arguments and flags in any order (flags may come before the kind too). It defines
// the fault's flags on fs, whose caller may have defined flags of its own
// (--kubeconfig) before. A wrong number of arguments, or a flag that does not apply
// to the kind, is a UsageError that shows the kind's usage.
func ParseFault(args []string, fs *flag.FlagSet) (Fault, error) {
	var f Fault
	callers := map[string]bool{}
	fs.VisitAll(func(fl *flag.Flag) { callers[fl.Name] = true })
	fs.StringVar(&f.Namespace, "n", "", "namespace of the pods, nodes aside (default: default); api-errors: of the requests (default: any)")
	fs.StringVar(&f.Namespace, "namespace", "", "same as -n")
	fs.StringVar(&f.Container, "container", "", "crash, oom, hang, resume: the container (default: every container)")
	exitCode := fs.Int("exit-code", 1, "crash, kill-leader --crash: the exit code")
	fs.BoolVar(&f.Crash, "crash", false, "kill-leader: make the process exit at once instead of deleting the pod gracefully")
	fs.StringVar(&f.Message, "message", "", "evict: the message")
	fs.StringVar(&f.Verb, "verb", "", "api-errors: the verb to fail (get, list, watch, create, update, patch, delete)")
	fs.StringVar(&f.Resource, "resource", "", "api-errors: the resource to fail (e.g. configmaps, pods, leases, pods/status)")
	fs.StringVar(&f.Name, "name", "", "api-errors: the object name to fail")
	fs.StringVar(&f.User, "user", "", "api-errors: the user whose requests fail (e.g. system:serviceaccount:default:default)")
	fs.IntVar(&f.Code, "code", 500, "api-errors: the HTTP status (e.g. 409, 429, 500, 503, 504)")
	fs.DurationVar(&f.Latency, "latency", 0, "api-errors: delay the requests instead of failing them")
	fs.BoolVar(&f.Unavailable, "unavailable", false, "api-errors: refuse the connections, as a stopped API server")
	fs.BoolVar(&f.LoseResponse, "lose-response", false, "api-errors: serve the request, then answer 504 (committed, but the client does not know)")
	fs.BoolVar(&f.DropWatches, "drop-watches", false, "api-errors: end new watches at once")
	fs.BoolVar(&f.ExpireWatches, "expire-watches", false, "api-errors: end new watches with ERROR 410 Expired")
	fs.IntVar(&f.Count, "count", 0, "api-errors: strike the next N matching requests only (0: until clear-api-errors)")
	fs.DurationVar(&f.For, "for", 0, "api-errors: last this long (0: until clear-api-errors)")
	fs.Float64Var(&f.Probability, "probability", 0, "api-errors: strike each matching request with this chance (0: every one)")
	args, err := kindFirst(args, fs)
	if err != nil {
		return Fault{}, err
	}
	kind, err := lookupFaultKind(args[0])
	if err != nil {
		return Fault{}, &UsageError{err.Error()}
	}
	f.Kind = kind.Kind
	positional, err := ParseFlags(fs, args[1:])
	if err != nil {
		return Fault{}, err
	}
	f.ExitCode = int32(*exitCode)

	wantArgs := kind.args()
	optional := len(wantArgs) > 0 && wantArgs[len(wantArgs)-1].optional
	if len(positional) > len(wantArgs) || (!optional && len(positional) < len(wantArgs)) || (optional && len(positional) < len(wantArgs)-1) {
		return Fault{}, Usagef("usage: flinksim fault %s", kind.Usage)
	}
	for i, a := range positional {
		*f.field(wantArgs[i].name) = a
	}
	applies := append(kind.flags(), "n", "namespace")
	var wrong []string
	fs.Visit(func(fl *flag.Flag) {
		if !callers[fl.Name] && !slices.Contains(applies, fl.Name) {
			wrong = append(wrong, "-"+strings.Repeat("-", min(len(fl.Name)-1, 1))+fl.Name)
		}
	})
	if len(wrong) > 0 {
		return Fault{}, Usagef("%s does not apply to %s: usage: flinksim fault %s", strings.Join(wrong, ", "), kind.Kind, kind.Usage)
	}
	if f.Kind == "kill-leader" && !f.Crash && isSet(fs, "exit-code") {
		return Fault{}, Usagef("--exit-code goes with --crash: a graceful kill-leader deletes the pod, its process ends by SIGTERM")
	}
	return f, nil
}

// kindFirst moves flags given before the fault's kind (flinksim fault --kubeconfig
// path kill-leader x) behind it, where ParseFlags reads flags.
func kindFirst(args []string, fs *flag.FlagSet) ([]string, error) {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--" {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		fl := fs.Lookup(name)
		if fl == nil {
			return nil, Usagef("flag provided but not defined: %s (flinksim fault help lists the kinds and their flags)", args[i])
		}
		i++
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) && i < len(args) {
			i++ // the flag's value
		}
	}
	if i < len(args) && args[i] == "--" {
		i++
	}
	if i >= len(args) {
		return nil, Usagef("name a fault (flinksim fault <kind> [arguments and flags]): flinksim fault help lists them")
	}
	return slices.Concat(args[i:i+1], args[:i], args[i+1:]), nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
