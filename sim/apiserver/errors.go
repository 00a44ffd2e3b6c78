package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func toGR(gr interface{ String() string }) schema.GroupResource {
	if g, ok := gr.(schema.GroupResource); ok {
		return g
	}
	return schema.ParseGroupResource(gr.String())
}
