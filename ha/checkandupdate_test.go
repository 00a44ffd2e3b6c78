package ha

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"flinksim/sim/apiserver"
)

// Fabric8FlinkKubeClientTest: the check-and-update primitive and ConfigMap helpers.
func TestFabric8FlinkKubeClient(t *testing.T) {
	const name = "test-config-map"
	const maxRetries = 3
	ctx := context.Background()
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, name, errors.New("the object has been modified"))

	t.Run("testCheckAndUpdateConfigMap", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, map[string]string{"k": "v"})
			updated, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(cm *corev1.ConfigMap) (bool, error) {
				cm.Data["k"] = "v2"
				return true, nil
			})
			if err != nil || !updated {
				t.Fatalf("= %v, %v; want true, nil", updated, err)
			}
			if got := getConfigMap(t, c.Client(), name).Data["k"]; got != "v2" {
				t.Errorf("k = %q, want v2", got)
			}
		})
	})

	t.Run("testCheckAndUpdateConfigMapWithEmptyResult", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, map[string]string{"k": "v"})
			rv := getConfigMap(t, c.Client(), name).ResourceVersion
			updated, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(cm *corev1.ConfigMap) (bool, error) {
				cm.Data["k"] = "ignored"
				return false, nil
			})
			if err != nil || updated {
				t.Fatalf("= %v, %v; want false, nil", updated, err)
			}
			if cm := getConfigMap(t, c.Client(), name); cm.ResourceVersion != rv || cm.Data["k"] != "v" {
				t.Errorf("ConfigMap written: rv %s→%s, k=%q", rv, cm.ResourceVersion, cm.Data["k"])
			}
		})
	})

	t.Run("testCheckAndUpdateConfigMapWhenConfigMapNotExist", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			calls := 0
			_, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(*corev1.ConfigMap) (bool, error) { calls++; return true, nil })
			var exhausted *RetriesExhaustedError
			if !errors.Is(err, ErrConfigMapNotExist) || errors.As(err, &exhausted) || calls != 0 {
				t.Errorf("err %v after %d calls; want ErrConfigMapNotExist at once", err, calls)
			}
			if n := c.Server().RequestLog().Count(apiserver.AdminUser, "get", "configmaps"); n != 1 {
				t.Errorf("%d GETs, want 1 (no retry)", n)
			}
		})
	})

	t.Run("testCheckAndUpdateConfigMapWhenGetConfigMapFailed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, nil)
			f := &fault{match: on("", "get", name), err: errInternal("get failed")}
			c.Server().AddFault(f)
			_, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(*corev1.ConfigMap) (bool, error) { return true, nil })
			var exhausted *RetriesExhaustedError
			var pie *PossiblyInconsistentError
			if !errors.As(err, &exhausted) || errors.As(err, &pie) {
				t.Errorf("err %v; want retries exhausted, not possibly inconsistent", err)
			}
			if f.Hits() != maxRetries+1 {
				t.Errorf("%d GET requests, want %d", f.Hits(), maxRetries+1)
			}
		})
	})

	t.Run("testCheckAndUpdateConfigMapWhenReplaceConfigMapFailed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, nil)
			c.Server().AddFault(&fault{match: on("", "update", name), err: conflict})
			calls := 0
			_, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(*corev1.ConfigMap) (bool, error) { calls++; return true, nil })
			var exhausted *RetriesExhaustedError
			var pie *PossiblyInconsistentError
			if !errors.As(err, &exhausted) || !errors.As(exhausted.Err, &pie) || !apierrors.IsConflict(err) {
				t.Errorf("err %v; want retries exhausted caused by a possibly inconsistent 409", err)
			}
			if calls != maxRetries+1 {
				t.Errorf("update function called %d times, want %d", calls, maxRetries+1)
			}
		})
	})

	// Errors of the update function itself are not Kubernetes client errors: no retry.
	t.Run("updateFunctionErrorIsNotRetried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, nil)
			boom := errors.New("boom")
			calls := 0
			_, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(*corev1.ConfigMap) (bool, error) { calls++; return false, boom })
			if !errors.Is(err, boom) || calls != 1 {
				t.Errorf("err %v after %d calls; want boom after 1", err, calls)
			}
		})
	})

	// FLINK-28265: the write is committed but its response lost; the retry reads the
	// new state and the update function sees its own write.
	t.Run("writeCommittedButResponseLost", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, map[string]string{"n": "0"})
			c.Server().AddFault(&fault{match: on("", "update", name), err: errTimeout, loseResponse: true, times: 1})
			var seen []string
			updated, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(cm *corev1.ConfigMap) (bool, error) {
				seen = append(seen, cm.Data["n"])
				if cm.Data["n"] == "1" {
					return false, nil
				}
				cm.Data["n"] = "1"
				return true, nil
			})
			if err != nil || updated || fmt.Sprint(seen) != "[0 1]" {
				t.Errorf("= %v, %v, seen %v; want the retry to see its own committed write", updated, err, seen)
			}
		})
	})

	// A write that may have been applied leaves the outcome unknown; retries that
	// only fail to read do not settle it.
	t.Run("lostWriteThenFailingReadsStaysPossiblyInconsistent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, map[string]string{"n": "0"})
			c.Server().AddFault(&fault{match: on("", "update", name), err: errTimeout, loseResponse: true, times: 1})
			gets := &fault{match: on("", "get", name), err: errInternal("get failed"), skip: 1}
			c.Server().AddFault(gets)
			_, err := CheckAndUpdateConfigMap(ctx, c.Client(), testNamespace, name, maxRetries, func(cm *corev1.ConfigMap) (bool, error) {
				cm.Data["n"] = "1"
				return true, nil
			})
			var exhausted *RetriesExhaustedError
			var pie *PossiblyInconsistentError
			if !errors.As(err, &pie) || !errors.As(err, &exhausted) {
				t.Errorf("err %v; want possibly inconsistent, with the retries exhausted", err)
			}
			if gets.Hits() != maxRetries {
				t.Errorf("%d failed GETs, want %d", gets.Hits(), maxRetries)
			}
			c.Server().RemoveFault(gets)
			if got := getConfigMap(t, c.Client(), name).Data["n"]; got != "1" {
				t.Errorf("n = %q; the lost write should have been applied", got)
			}
		})
	})

	t.Run("testCreateConfigMapAlreadyExisting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			createConfigMap(t, c.Client(), name, nil, map[string]string{"k": "old"})
			if err := CreateConfigMapIfNotExist(ctx, c.Client(), testNamespace, name, testClusterID); err != nil {
				t.Fatal(err)
			}
			if got := getConfigMap(t, c.Client(), name).Data["k"]; got != "old" {
				t.Errorf("k = %q, want the old content kept", got)
			}
		})
	})

	t.Run("testDeleteNotExistingConfigMapByName", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			if err := deleteConfigMap(ctx, c.Client(), testNamespace, "missing"); err != nil {
				t.Errorf("deleting a missing ConfigMap: %v", err)
			}
		})
	})
}

// Fabric8FlinkKubeClientITCase: concurrent check-and-update loses no update.
func TestFabric8FlinkKubeClientITCase(t *testing.T) {
	t.Run("testCheckAndUpdateConfigMapConcurrently", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, stop := startCluster(t, 1)
			defer stop()
			const name, writers, increments = "concurrent", 3, 10
			createConfigMap(t, c.Client(), name, nil, nil)
			var wg sync.WaitGroup
			errs := make(chan error, writers*increments)
			for w := range writers {
				client := c.ClientFor(userOf(fmt.Sprintf("writer-%d", w)))
				key := fmt.Sprintf("key-%d", w)
				wg.Go(func() {
					for range increments {
						_, err := CheckAndUpdateConfigMap(context.Background(), client, testNamespace, name, 100, func(cm *corev1.ConfigMap) (bool, error) {
							n, _ := strconv.Atoi(cm.Data[key])
							// Think for a (virtual) millisecond between read and write, so
							// that the writers interleave and conflict.
							time.Sleep(time.Millisecond)
							cm.Data[key] = strconv.Itoa(n + 1)
							return true, nil
						})
						if err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			cm := getConfigMap(t, c.Client(), name)
			for w := range writers {
				if got := cm.Data[fmt.Sprintf("key-%d", w)]; got != strconv.Itoa(increments) {
					t.Errorf("key-%d = %s, want %d", w, got, increments)
				}
			}
			conflicts := len(c.Server().RequestLog().Entries(func(e apiserver.Entry) bool { return e.Verb == "update" && e.Code == 409 }))
			t.Logf("%d conflicts resolved by retrying", conflicts)
		})
	})
}
