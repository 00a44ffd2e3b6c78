package cli

import (
	"fmt"
	"io"
	"strings"

	"flinksim/config"
)

// option is one command-line option, as Flink's commons-cli options: a short name
// (-c), a long name (--class) and, when it takes a value, the value's name.
type option struct {
	short, long string
	arg         string
	help        string
}

func (o option) name() string {
	if o.long != "" {
		return o.long
	}
	return o.short
}

func (o option) String() string {
	var s string
	switch {
	case o.short != "" && o.long != "":
		s = "-" + o.short + ",--" + o.long
	case o.short != "":
		s = "-" + o.short
	default:
		s = "--" + o.long
	}
	if o.arg != "" {
		s += " <" + o.arg + ">"
	}
	return s
}

// The options several commands share.
var (
	optHelp     = option{short: "h", long: "help", help: "Show the help message for the command."}
	optDynamic  = option{short: "D", arg: "property=value", help: "Set a configuration option, e.g. -Dkubernetes.cluster-id=my-cluster; may be given many times."}
	optTarget   = option{short: "t", long: "target", arg: "target", help: "The deployment target: kubernetes-session, kubernetes-application or remote (execution.target)."}
	optExecutor = option{short: "e", long: "executor", arg: "executor", help: "Deprecated: use -t."}
	optJM       = option{short: "m", long: "jobmanager", arg: "host:port", help: "The REST endpoint of a JobManager to talk to directly (target remote), e.g. localhost:8081 after kubectl port-forward."}
	optConfDir  = option{long: "conf-dir", arg: "directory", help: "Flink configuration directory (default: $FLINK_CONF_DIR, else $FLINK_HOME/conf)."}
	optKubecfg  = option{long: "kubeconfig", arg: "file", help: "kubeconfig of the Kubernetes cluster (default: kubernetes.config.file, then $KUBECONFIG, then ~/.kube/config)."}
)

// args is a parsed command line.
type args struct {
	values     map[string][]string // by option name
	dynamic    *config.Configuration
	positional []string
}

func (a *args) has(o option) bool { _, ok := a.values[o.name()]; return ok }

// value is the last value given for o ("" when none).
func (a *args) value(o option) string {
	v := a.values[o.name()]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

func (a *args) all(o option) []string { return a.values[o.name()] }

// parseArgs reads a command line as commons-cli does for Flink: -x, -xvalue for an
// option taking a value, --long, --long=value, --long value, -Dkey=value and
// -D key=value; "--" ends the options. With stopAtNonOption, the first argument that
// is not an option and everything after it are positional (the job jar and the
// program's own arguments, which may look like options).
func parseArgs(in []string, opts []option, stopAtNonOption bool) (*args, error) {
	a := &args{values: map[string][]string{}}
	var dyn []string
	byShort, byLong := map[string]option{}, map[string]option{}
	for _, o := range opts {
		if o.short != "" {
			byShort[o.short] = o
		}
		if o.long != "" {
			byLong[o.long] = o
		}
	}
	for i := 0; i < len(in); i++ {
		arg := in[i]
		takeValue := func(o option, inline string, hasInline bool) error {
			if hasInline {
				a.values[o.name()] = append(a.values[o.name()], inline)
				return nil
			}
			if i+1 >= len(in) {
				return usagef("Missing argument for option: %s", o.String())
			}
			i++
			a.values[o.name()] = append(a.values[o.name()], in[i])
			return nil
		}
		switch {
		case arg == "--":
			a.positional = append(a.positional, in[i+1:]...)
			i = len(in)
		case arg == "-D":
			if i+1 >= len(in) {
				return nil, usagef("Missing argument for option: -D <property=value>")
			}
			i++
			dyn = append(dyn, "-D"+in[i])
		case strings.HasPrefix(arg, "-D"):
			dyn = append(dyn, arg)
		case strings.HasPrefix(arg, "--") && len(arg) > 2:
			name, inline, hasInline := strings.Cut(arg[2:], "=")
			o, ok := byLong[name]
			if !ok {
				return nil, usagef("Unrecognized option: %s", arg)
			}
			if o.arg == "" {
				if hasInline {
					return nil, usagef("The option --%s takes no value", name)
				}
				a.values[o.name()] = append(a.values[o.name()], "")
				continue
			}
			if err := takeValue(o, inline, hasInline); err != nil {
				return nil, err
			}
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			name := arg[1:]
			if o, ok := byShort[name]; ok {
				if o.arg == "" {
					a.values[o.name()] = append(a.values[o.name()], "")
				} else if err := takeValue(o, "", false); err != nil {
					return nil, err
				}
				continue
			}
			// -cvalue: a one-letter option with its value attached.
			if o, ok := byShort[name[:1]]; ok && o.arg != "" {
				a.values[o.name()] = append(a.values[o.name()], name[1:])
				continue
			}
			return nil, usagef("Unrecognized option: %s", arg)
		default:
			if stopAtNonOption {
				a.positional = append(a.positional, in[i:]...)
				i = len(in)
				continue
			}
			a.positional = append(a.positional, arg)
		}
	}
	var err error
	if a.dynamic, err = config.ParseDynamicProperties(dyn); err != nil {
		return nil, &usageError{err.Error()}
	}
	return a, nil
}

// printOptions writes an options table for a help text.
func printOptions(w io.Writer, opts []option) {
	width := 0
	for _, o := range opts {
		width = max(width, len(o.String()))
	}
	for _, o := range opts {
		fmt.Fprintf(w, "     %-*s  %s\n", width, o.String(), o.help)
	}
}
