package kubelet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"flinksim/process"
)

// Toolbox are the shell commands the Flink docs' examples use in init containers and
// sidecars: sh/bash -c, sleep, echo, cat, true, false, tail -f, and wget from a
// simulated HTTP server into a shared volume.
func Toolbox() map[string]process.Program {
	tools := map[string]process.Program{
		"sleep": sleepProgram,
		"echo":  echoProgram,
		"cat":   catProgram,
		"true":  func(context.Context, *process.Env) error { return nil },
		"false": func(context.Context, *process.Env) error { return process.Exit(1, nil) },
		"tail":  tailProgram,
		"wget":  wgetProgram,
	}
	shell := shellProgram(tools)
	tools["sh"] = shell
	tools["bash"] = shell
	return tools
}

// WithToolbox returns programs plus the toolbox (programs win on a name clash).
func WithToolbox(programs map[string]process.Program) map[string]process.Program {
	out := Toolbox()
	maps.Copy(out, programs)
	shell := shellProgram(out)
	if _, ok := programs["sh"]; !ok {
		out["sh"] = shell
	}
	if _, ok := programs["bash"]; !ok {
		out["bash"] = shell
	}
	return out
}

// shellProgram runs `sh -c "cmd1 args; cmd2 args && …"` over the given programs. It
// understands `;`, `&&`, `||` and `exec`, which is what container command lines use.
// Without -c it exits at once, as a shell without a terminal does.
func shellProgram(programs map[string]process.Program) process.Program {
	return func(ctx context.Context, env *process.Env) error {
		if len(env.Args) < 2 || env.Args[0] != "-c" {
			return nil
		}
		var last error
		for _, stmt := range splitStatements(env.Args[1]) {
			failed := process.ExitCode(last) != 0
			if stmt.text == "" || stmt.op == "&&" && failed || stmt.op == "||" && !failed {
				continue
			}
			words, err := process.SplitShell(stmt.text)
			if err != nil {
				fmt.Fprintf(env.Stderr, "sh: %v\n", err)
				return process.Exit(2, err)
			}
			if len(words) > 0 && words[0] == "exec" {
				words = words[1:]
			}
			if len(words) == 0 {
				continue
			}
			words = expand(words, env)
			prog, ok := programs[words[0]]
			if !ok {
				prog, ok = programs[baseName(words[0])]
			}
			if !ok {
				fmt.Fprintf(env.Stderr, "bash: line 1: %s: command not found\n", words[0])
				last = process.Exit(127, fmt.Errorf("%s: command not found", words[0]))
				continue
			}
			sub := *env
			sub.Args = words[1:]
			last = prog(ctx, &sub)
			if ctx.Err() != nil {
				return last
			}
		}
		return last
	}
}

type statement struct {
	text string
	op   string // the operator before this statement: "", ";", "&&", "||"
}

// splitStatements splits a command line at ;, newlines, && and || outside quotes.
func splitStatements(line string) []statement {
	var out []statement
	op := ""
	start := 0
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ';' || c == '\n':
			out = append(out, statement{text: strings.TrimSpace(line[start:i]), op: op})
			op, start = ";", i+1
		case (c == '&' || c == '|') && i+1 < len(line) && line[i+1] == c:
			out = append(out, statement{text: strings.TrimSpace(line[start:i]), op: op})
			op, start = string([]byte{c, c}), i+2
			i++
		}
	}
	return append(out, statement{text: strings.TrimSpace(line[start:]), op: op})
}

func expand(words []string, env *process.Env) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = expandVars(w, env.Environ)
	}
	return out
}

// expandVars replaces $NAME and ${NAME}.
func expandVars(s string, environ map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		braced := s[j] == '{'
		if braced {
			j++
		}
		k := j
		for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
			k++
		}
		if k == j {
			b.WriteByte('$')
			continue
		}
		b.WriteString(environ[s[j:k]])
		if braced && k < len(s) && s[k] == '}' {
			k++
		}
		i = k - 1
	}
	return b.String()
}

func baseName(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func sleepProgram(ctx context.Context, env *process.Env) error {
	if len(env.Args) == 0 {
		fmt.Fprintln(env.Stderr, "sleep: missing operand")
		return process.Exit(1, nil)
	}
	var d time.Duration
	if env.Args[0] == "infinity" {
		<-ctx.Done()
		return ctx.Err()
	}
	secs, err := strconv.ParseFloat(strings.TrimSuffix(env.Args[0], "s"), 64)
	if err != nil {
		fmt.Fprintf(env.Stderr, "sleep: invalid time interval '%s'\n", env.Args[0])
		return process.Exit(1, nil)
	}
	d = time.Duration(secs * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func echoProgram(_ context.Context, env *process.Env) error {
	fmt.Fprintln(env.Stdout, strings.Join(env.Args, " "))
	return nil
}

func catProgram(_ context.Context, env *process.Env) error {
	for _, p := range env.Args {
		b, err := fs.ReadFile(env.Files, strings.TrimPrefix(p, "/"))
		if err != nil {
			fmt.Fprintf(env.Stderr, "cat: %s: No such file or directory\n", p)
			return process.Exit(1, nil)
		}
		_, _ = env.Stdout.Write(b)
	}
	return nil
}

// tailProgram supports `tail -f <file>`: it prints the file, then new content as it grows.
func tailProgram(ctx context.Context, env *process.Env) error {
	if len(env.Args) == 0 {
		return nil
	}
	file := env.Args[len(env.Args)-1]
	follow := len(env.Args) > 1 && (env.Args[0] == "-f" || env.Args[0] == "-F")
	var seen int
	for {
		b, err := fs.ReadFile(env.Files, strings.TrimPrefix(file, "/"))
		if err == nil && len(b) > seen {
			_, _ = env.Stdout.Write(b[seen:])
			seen = len(b)
		}
		if !follow {
			return nil
		}
		t := time.NewTimer(time.Second)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// wgetProgram fetches a URL over the simulated network: `wget -O <file> <url>` or
// `wget <url> -O <file>`, `-q` accepted.
func wgetProgram(ctx context.Context, env *process.Env) error {
	var target, out string
	for i := 0; i < len(env.Args); i++ {
		switch a := env.Args[i]; {
		case a == "-O" && i+1 < len(env.Args):
			out = env.Args[i+1]
			i++
		case strings.HasPrefix(a, "-O"):
			out = a[2:]
		case strings.HasPrefix(a, "-"):
		default:
			target = a
		}
	}
	if target == "" {
		fmt.Fprintln(env.Stderr, "wget: missing URL")
		return process.Exit(1, nil)
	}
	u, err := url.Parse(target)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wget: bad address '%s'\n", target)
		return process.Exit(1, nil)
	}
	if out == "" {
		out = baseName(u.Path)
	}
	tr := &http.Transport{DialContext: env.Network.DialContext}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Do(req)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wget: can't connect to remote host: %v\n", err)
		return process.Exit(1, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "wget: server returned error: HTTP/1.1 %s\n", resp.Status)
		return process.Exit(1, nil)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		return process.Exit(1, err)
	}
	if !strings.HasPrefix(out, "/") {
		out = "/" + out
	}
	if err := env.Write(out, buf.Bytes()); err != nil {
		fmt.Fprintf(env.Stderr, "wget: can't open '%s': %v\n", out, err)
		return process.Exit(1, err)
	}
	fmt.Fprintf(env.Stderr, "saving to '%s'\n", out)
	return nil
}

// Passthrough is an image entrypoint script that ends with `exec "$@"`: it runs its
// arguments as a command of the image (the official Flink image's
// /docker-entrypoint.sh does this for Flink's native Kubernetes start commands).
func Passthrough(programs map[string]process.Program) process.Program {
	return func(ctx context.Context, env *process.Env) error {
		if len(env.Args) == 0 {
			return nil
		}
		prog, ok := programs[env.Args[0]]
		if !ok {
			prog, ok = programs[baseName(env.Args[0])]
		}
		if !ok {
			fmt.Fprintf(env.Stderr, "/docker-entrypoint.sh: line 1: exec: %s: not found\n", env.Args[0])
			return process.Exit(127, nil)
		}
		sub := *env
		sub.Args = env.Args[1:]
		return prog(ctx, &sub)
	}
}
