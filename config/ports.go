package config

import (
	"strconv"
	"strings"
)

// FixedPort reads a port option that must hold a single port, as Kubernetes Services
// need fixed ports: a range such as "50100-50200" is an error naming the key, and so is
// a missing value. The value comes from the main key, alternate keys or default.
func FixedPort(c *Configuration, o Option[string]) (int, error) {
	v, ok, err := GetOptional(c, o)
	if err != nil {
		return 0, err
	}
	key := o.Key()
	if !ok {
		if !o.hasDefault {
			return 0, &ValueError{Key: key, Value: "", Reason: "a fixed port is required but none is set"}
		}
		v = o.def
	} else {
		key, _, _, _ = o.lookup(c)
	}
	p, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || p < 0 || p > 65535 {
		return 0, &ValueError{Key: key, Value: v, Reason: "expected a single fixed port between 0 and 65535; port ranges are not supported on Kubernetes"}
	}
	return p, nil
}

// PinPort replaces a port option's value 0 (any free port) by fallbackPort under the
// main key, as the deployer does before shipping the configuration (reference §1.2),
// and returns the port in effect.
func PinPort(c *Configuration, o Option[string], fallbackPort int) (int, error) {
	p, err := FixedPort(c, o)
	if err != nil {
		return 0, err
	}
	if p == 0 {
		c.SetString(o.Key(), strconv.Itoa(fallbackPort))
		return fallbackPort, nil
	}
	return p, nil
}
