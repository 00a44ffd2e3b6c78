package ha

import (
	"context"
	"testing"
)

func TestJobResultStoreDirtyThenClean(t *testing.T) {
	for _, deleteOnCommit := range []bool{true, false} {
		fs := NewMemFileSystem()
		s, err := NewJobResultStore(fs, "file:///ha/job-result-store/c", deleteOnCommit)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		r := JobResult{JobID: "0000000000000000000000000000000a", Status: JobFinished}
		if _, found, err := s.Get(ctx, r.JobID); err != nil || found {
			t.Fatalf("a job without a result: found=%v err=%v", found, err)
		}
		if err := s.CreateDirty(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateDirty(ctx, r); err != nil {
			t.Fatalf("a retried dirty entry must be fine: %v", err)
		}
		dirty, err := s.Dirty(ctx)
		if err != nil || len(dirty) != 1 || dirty[0].JobID != r.JobID || !dirty[0].Dirty {
			t.Fatalf("Dirty() = %+v, %v; want the one entry", dirty, err)
		}
		if err := s.MarkClean(ctx, r.JobID); err != nil {
			t.Fatal(err)
		}
		if dirty, _ := s.Dirty(ctx); len(dirty) != 0 {
			t.Fatalf("still dirty after MarkClean: %+v", dirty)
		}
		e, found, err := s.Get(ctx, r.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if found != !deleteOnCommit {
			t.Fatalf("delete-on-commit %v: a clean entry found=%v", deleteOnCommit, found)
		}
		if found && (e.Dirty || e.Status != JobFinished) {
			t.Fatalf("clean entry %+v", e)
		}
	}
}
