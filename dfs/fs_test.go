package dfs_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"

	"flinksim/deployer"
	"flinksim/dfs"
)

// haFileSystem is the method set of ha.FileSystem (kept here so that this package
// does not depend on ha): the HA services' state files can live in an FS.
type haFileSystem interface {
	Create(ctx context.Context, path string, data []byte) error
	Read(ctx context.Context, path string) ([]byte, error)
	Delete(ctx context.Context, path string, recursive bool) error
	Exists(ctx context.Context, path string) (bool, error)
	List(ctx context.Context, dir string) ([]string, error)
}

var (
	_ deployer.ArtifactStore = (*dfs.FS)(nil)
	_ haFileSystem           = (*dfs.FS)(nil)
)

func newFS(t *testing.T, buckets ...string) *dfs.FS {
	t.Helper()
	f := dfs.New()
	for _, b := range buckets {
		if err := f.MakeBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestURIs(t *testing.T) {
	ctx := context.Background()
	f := newFS(t, "s3://artifacts", "gs://other/")
	for _, tc := range []struct {
		uri     string
		stored  string // canonical form after Put
		wantErr string
	}{
		{uri: "s3://artifacts/jobs/job.jar", stored: "s3://artifacts/jobs/job.jar"},
		{uri: "S3://artifacts//jobs/./job2.jar", stored: "s3://artifacts/jobs/job2.jar"},
		{uri: "gs://other/a", stored: "gs://other/a"},
		{uri: "file:///mnt/shared/job.jar", stored: "file:///mnt/shared/job.jar"},
		{uri: "file:/mnt/shared/java-style.jar", stored: "file:///mnt/shared/java-style.jar"},
		{uri: "/mnt/shared/job.jar", wantErr: "has no scheme"},
		{uri: "ftp://host/job.jar", wantErr: `no file system for the scheme "ftp"`},
		{uri: "file://host/job.jar", wantErr: "file URIs have none"},
		{uri: "file:relative.jar", wantErr: "not an absolute path"},
		{uri: "s3:///job.jar", wantErr: "names no bucket"},
		{uri: "s3://artifacts/../escape", wantErr: `climbs with ".."`},
		{uri: "s3://missing/job.jar", wantErr: "the bucket s3://missing does not exist"},
		{uri: "s3://artifacts/", wantErr: "it is a directory"},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			err := f.Put(ctx, tc.uri, []byte("x"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Put(%q) = %v, want an error mentioning %q", tc.uri, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Put(%q): %v", tc.uri, err)
			}
			if !slices.Contains(f.Files(), tc.stored) {
				t.Fatalf("files %v do not contain %q", f.Files(), tc.stored)
			}
			if ok, err := f.Exists(ctx, tc.stored); !ok || err != nil {
				t.Fatalf("Exists(%q) = %v, %v", tc.stored, ok, err)
			}
		})
	}
}

func TestMissingBucket(t *testing.T) {
	ctx := context.Background()
	f := newFS(t)
	err := f.Put(ctx, "s3://nope/job.jar", nil)
	if !errors.Is(err, dfs.ErrNoSuchBucket) {
		t.Fatalf("Put into a missing bucket = %v, want ErrNoSuchBucket", err)
	}
	if ok, err := f.Exists(ctx, "s3://nope/job.jar"); ok || err != nil {
		t.Fatalf("Exists in a missing bucket = %v, %v; want false, nil", ok, err)
	}
	if _, err := f.Read(ctx, "s3://nope/job.jar"); !errors.Is(err, dfs.ErrNoSuchBucket) {
		t.Fatalf("Read from a missing bucket = %v", err)
	}
	if err := f.MakeBucket("s3://nope/with/path"); err == nil {
		t.Fatal("MakeBucket with a path succeeded")
	}
	if err := f.MakeBucket("file:///x"); err == nil {
		t.Fatal("MakeBucket for file:// succeeded")
	}
	if err := f.MakeBucket("s3://nope"); err != nil {
		t.Fatal(err)
	}
	if err := f.Put(ctx, "s3://nope/job.jar", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.Buckets(); !slices.Equal(got, []string{"s3://nope"}) {
		t.Fatalf("Buckets() = %v", got)
	}
}

func TestCreateNeverOverwritesPutReplaces(t *testing.T) {
	ctx := context.Background()
	f := newFS(t, "s3://b")
	uri := "s3://b/ha/cid/submittedExecutionPlan-1"
	if err := f.Create(ctx, uri, []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := f.Create(ctx, uri, []byte("second"))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Create = %v, want fs.ErrExist", err)
	}
	if got, _ := f.Read(ctx, uri); string(got) != "first" {
		t.Fatalf("content after refused Create = %q", got)
	}
	if err := f.Put(ctx, uri, []byte("third")); err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, _ := io.ReadAll(r); string(got) != "third" {
		t.Fatalf("content after Put = %q", got)
	}
}

func TestReturnedAndGivenBytesAreCopies(t *testing.T) {
	ctx := context.Background()
	f := newFS(t, "s3://b")
	data := []byte("abc")
	if err := f.Put(ctx, "s3://b/x", data); err != nil {
		t.Fatal(err)
	}
	data[0] = 'X'
	got, _ := f.Read(ctx, "s3://b/x")
	got[1] = 'Y'
	if again, _ := f.Read(ctx, "s3://b/x"); string(again) != "abc" {
		t.Fatalf("stored content changed to %q", again)
	}
}

func TestDirectories(t *testing.T) {
	ctx := context.Background()
	f := newFS(t, "s3://b")
	for _, u := range []string{"s3://b/ha/c1/a", "s3://b/ha/c1/sub/b", "s3://b/ha/c2/a", "file:///shared/x"} {
		if err := f.Create(ctx, u, []byte(u)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.List(ctx, "s3://b/ha/c1/")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s3://b/ha/c1/a", "s3://b/ha/c1/sub"}; !slices.Equal(list, want) {
		t.Fatalf("List = %v, want %v", list, want)
	}
	if root, _ := f.List(ctx, "s3://b"); !slices.Equal(root, []string{"s3://b/ha"}) {
		t.Fatalf("List(root) = %v", root)
	}
	if empty, err := f.List(ctx, "s3://b/none"); len(empty) != 0 || err != nil {
		t.Fatalf("List(missing dir) = %v, %v", empty, err)
	}
	if ok, _ := f.Exists(ctx, "s3://b/ha/c1"); !ok {
		t.Fatal("a directory with files does not exist")
	}
	if err := f.Create(ctx, "s3://b/ha/c1", nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over a directory = %v", err)
	}
	if err := f.Create(ctx, "s3://b/ha/c1/a/deeper", nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create under a file = %v", err)
	}
	if _, err := f.Read(ctx, "s3://b/ha/c1"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Read of a directory = %v", err)
	}
	if err := f.Delete(ctx, "s3://b/ha/c1", false); err == nil {
		t.Fatal("non-recursive Delete of a directory succeeded")
	}
	if err := f.Delete(ctx, "s3://b/ha/c1", true); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "s3://b/ha/gone", false); err != nil {
		t.Fatalf("Delete of nothing = %v", err)
	}
	if want := []string{"file:///shared/x", "s3://b/ha/c2/a"}; !slices.Equal(f.Files(), want) {
		t.Fatalf("Files() = %v, want %v", f.Files(), want)
	}
	if _, err := f.Read(ctx, "s3://b/ha/c1/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a deleted file = %v", err)
	}
}

func TestFaultsAndContext(t *testing.T) {
	f := newFS(t, "s3://b")
	boom := errors.New("503 Slow Down")
	f.SetFault(func(op dfs.Op, uri string) error {
		if op == dfs.OpPut && strings.HasSuffix(uri, ".jar") {
			return boom
		}
		return nil
	})
	if err := f.Put(context.Background(), "s3://b/job.jar", nil); !errors.Is(err, boom) {
		t.Fatalf("Put with a fault = %v", err)
	}
	if err := f.Put(context.Background(), "s3://b/job.txt", nil); err != nil {
		t.Fatalf("Put without a fault = %v", err)
	}
	f.SetFault(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Exists(ctx, "s3://b/job.txt"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Exists with a cancelled context = %v", err)
	}
}

// TestConcurrentCreate: of many writers of one file exactly one wins.
func TestConcurrentCreate(t *testing.T) {
	ctx := context.Background()
	f := newFS(t, "s3://b")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.Create(ctx, "s3://b/lock", []byte{byte(i)}); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
			_, _ = f.List(ctx, "s3://b")
			_ = f.Put(ctx, "s3://b/other", []byte{byte(i)})
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d writers created the same file, want 1", wins)
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		base string
		elem []string
		want string
	}{
		{"s3://b/ha/", []string{"cid", "/x"}, "s3://b/ha/cid/x"},
		{"file:///", []string{"x"}, "file:///x"},
		{"file:///a/", []string{"b"}, "file:///a/b"},
		{"s3://b", nil, "s3://b"},
		{"s3://b/ha", []string{"", "y/"}, "s3://b/ha/y"},
	} {
		if got := dfs.Join(tc.base, tc.elem...); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.base, tc.elem, got, tc.want)
		}
	}
}
