package config

import (
	"fmt"
	"strings"
)

// ParseDynamicProperties reads command-line overrides, each either "-Dkey=value" or the
// two arguments "-D" "key=value". The value is everything after the first '=' and may
// itself contain '='; a later occurrence of a key wins. Any other argument, a missing
// '=' or an empty key is an error. (Flink's CLI turns "-Dkey" without '=' into
// key=true; that is almost always a typo, so it is rejected here.)
func ParseDynamicProperties(args []string) (*Configuration, error) {
	c, rest, err := ExtractDynamicProperties(args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("unexpected argument %q: expected -Dkey=value or -D key=value", rest[0])
	}
	return c, nil
}

// ExtractDynamicProperties takes the -D overrides out of args, as ParseDynamicProperties
// reads them, and returns the other arguments in order.
func ExtractDynamicProperties(args []string) (*Configuration, []string, error) {
	c := New()
	var rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		var kv string
		switch {
		case arg == "-D":
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("-D is the last argument: expected -D key=value")
			}
			i++
			kv = args[i]
		case strings.HasPrefix(arg, "-D"):
			kv = arg[len("-D"):]
		default:
			rest = append(rest, arg)
			continue
		}
		key, value, ok := strings.Cut(kv, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("-D%s: missing '=': write -D%s=<value>", kv, strings.TrimSpace(kv))
		case key == "":
			return nil, nil, fmt.Errorf("-D%s: the key is empty: write -D<key>=<value>", kv)
		}
		c.SetString(key, value)
	}
	return c, rest, nil
}
