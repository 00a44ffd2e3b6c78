package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// contextCases: what a client does with its request's context — client-go's behaviour
// against the server, which the simulated clients reproduce.
func contextCases() []Case {
	return []Case{
		{Name: "context/cancelled-request-is-not-sent", Run: func(t *testing.T, env *Env) {
			cms := env.Client.CoreV1().ConfigMaps(env.Namespace)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := cms.Create(ctx, configMap("never-sent", nil), metav1.CreateOptions{})
			require.Error(t, err)
			assert.Equal(t, context.Canceled, err, "the context's error as it is: %v", err)
			_, err = cms.Get(t.Context(), "never-sent", metav1.GetOptions{})
			requireError(t, err, notFound)
		}},
		{Name: "context/expired-deadline-fails-before-sending", Run: func(t *testing.T, env *Env) {
			ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
			defer cancel()
			_, err := env.Client.CoreV1().ConfigMaps(env.Namespace).List(ctx, metav1.ListOptions{})
			assert.Equal(t, context.DeadlineExceeded, err, "%v", err)
			_, err = env.Client.CoreV1().ConfigMaps(env.Namespace).Watch(ctx, metav1.ListOptions{})
			assert.Equal(t, context.DeadlineExceeded, err, "%v", err)
		}},
		{Name: "context/watch-ends-with-an-ERROR-when-its-context-does", Run: func(t *testing.T, env *Env) {
			ctx, cancel := context.WithCancel(t.Context())
			w, err := env.Client.CoreV1().ConfigMaps(env.Namespace).Watch(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			defer w.Stop()
			cancel()
			ev := nextEvent(t, w)
			require.Equal(t, watch.Error, ev.Type, eventSummary(ev))
			err = apierrors.FromObject(ev.Object)
			requireError(t, err, internalError, "unable to decode an event from the watch stream: context canceled")
			select {
			case _, open := <-w.ResultChan():
				assert.False(t, open, "the watch ends after the ERROR")
			case <-time.After(waitTimeout):
				t.Fatal("the watch did not end")
			}
		}},
	}
}
