package apiserver

import (
	"reflect"
	"runtime"
	"strings"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// init removes apimachinery's error backoff from utilruntime.ErrorHandlers, for every
// program that runs the simulator. That handler makes each HandleError caller sleep
// minPeriod - (now - lastErrorTime), with lastErrorTime taken from the real clock when
// the process starts. Inside a testing/synctest bubble the clock starts in 2000, so the
// first HandleError — a reflector whose list failed, say — sleeps for about 26 years of
// virtual time: the informer never recovers within the scenario. The handler only rate
// limits error logging (1 ms); without it the errors are logged as before.
//
// It runs in init, before any goroutine can read the list (HandleError reads it unlocked).
func init() {
	kept := utilruntime.ErrorHandlers[:0:0]
	for _, h := range utilruntime.ErrorHandlers {
		if fn := runtime.FuncForPC(reflect.ValueOf(h).Pointer()); fn != nil && strings.Contains(fn.Name(), "backoffError") {
			continue
		}
		kept = append(kept, h)
	}
	utilruntime.ErrorHandlers = kept
}
