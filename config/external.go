package config

import (
	"fmt"
	"strings"
)

// externalResourcesNone is the value of external-resources that means "no external
// resources"; the resource manager passes it to TaskManagers explicitly.
const externalResourcesNone = "none"

// ExternalResourceAmounts returns the external resources TaskManagers request: every
// name listed in external-resources with its external-resource.<name>.amount. As in
// Flink, a name without an amount, or with an amount of zero or less, is left out;
// "none" means no resources.
func ExternalResourceAmounts(c *Configuration) (map[string]int64, error) {
	out := map[string]int64{}
	raw, ok := c.GetString(ExternalResources.Key())
	if !ok || strings.TrimSpace(raw) == externalResourcesNone {
		return out, nil
	}
	names, err := Get(c, ExternalResources)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		amount, set, err := GetOptional(c, externalResourceAmount(name))
		if err != nil {
			return nil, err
		}
		if set && amount > 0 {
			out[name] = amount
		}
	}
	return out, nil
}

// externalResourceAmount is the amount option of external resource name.
func externalResourceAmount(name string) Option[int64] {
	return LongOption(ExternalResourceAmountKey(name)).
		WithDescription(fmt.Sprintf("Amount of external resource %s per TaskManager.", name))
}
