package runner

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// runBubble runs fn in a new synctest bubble. When the bubble ends with goroutines
// still in it, synctest panics, which would end the whole test binary; runBubble
// recovers that panic and returns a description of those goroutines instead, so the
// scenario that left them fails by name and the run goes on. (The goroutines stay
// blocked for good; goleak in TestMain lists them again at the end.)
func runBubble(t *testing.T, fn func(*testing.T)) (stray string) {
	var bubble atomic.Int64
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		err, ok := v.(error)
		if !ok || !strings.HasPrefix(err.Error(), "deadlock: ") {
			panic(v)
		}
		stray = describeDeadlock(err, bubble.Load())
	}()
	synctest.Test(t, func(t *testing.T) {
		bubble.Store(currentBubble())
		fn(t)
	})
	return ""
}

// describeDeadlock says what synctest's deadlock panic means for a scenario, with the
// stacks of the goroutines in its bubble.
func describeDeadlock(err error, bubble int64) string {
	stacks := bubbleStacks(bubble)
	n := strings.Count(stacks, "\ngoroutine ") + 1
	if stacks == "" {
		n = 0
	}
	if strings.Contains(err.Error(), "has exited") {
		return fmt.Sprintf("left %d goroutine(s) behind: everything a scenario starts must stop by the end of Close (synctest: %v)\n\n%s",
			n, err, stacks)
	}
	return fmt.Sprintf("deadlocked: every goroutine of the scenario is blocked and no timer is pending (synctest: %v)\n\n%s",
		err, stacks)
}

var bubbleHeader = regexp.MustCompile(`^goroutine \d+ \[[^\n]*, synctest bubble (\d+)[\] ]`)

// currentBubble is the id of the calling goroutine's bubble, as its stack trace shows it.
func currentBubble() int64 {
	buf := make([]byte, 512)
	buf = buf[:runtime.Stack(buf, false)]
	if m := bubbleHeader.FindSubmatch(buf); m != nil {
		id, _ := strconv.ParseInt(string(m[1]), 10, 64)
		return id
	}
	return 0
}

// bubbleStacks are the stack traces of the goroutines still in a bubble.
func bubbleStacks(bubble int64) string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var kept []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		m := bubbleHeader.FindStringSubmatch(g)
		if m != nil && m[1] == strconv.FormatInt(bubble, 10) {
			kept = append(kept, strings.TrimSpace(g))
		}
	}
	return strings.Join(kept, "\n\n")
}
