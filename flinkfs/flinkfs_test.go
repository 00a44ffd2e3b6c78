package flinkfs

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"flinksim/dfs"
)

func TestSchemes(t *testing.T) {
	ctx := context.Background()
	store := dfs.New()
	if err := store.MakeBucket("s3://jobs"); err != nil {
		t.Fatal(err)
	}
	_ = store.Put(ctx, "s3://jobs/my-job.jar", []byte("remote"))
	_ = store.Put(ctx, "file:///mnt/shared/job.jar", []byte("shared"))
	files := fstest.MapFS{
		"opt/flink/usrlib/my-job.jar":                          {Data: []byte("local")},
		"opt/flink/opt/flink-s3-fs-hadoop-2.0.0.jar":           {Data: []byte{}},
		"opt/flink/opt/flink-s3-fs-presto-2.0.0.jar":           {Data: []byte{}},
		"opt/flink/plugins/gs-fs/flink-gs-fs-hadoop-2.0.0.jar": {Data: []byte{}},
	}
	plain := New(Config{Files: files, Store: store})
	withS3 := New(Config{Files: files, Store: store, Environ: map[string]string{"ENABLE_BUILT_IN_PLUGINS": "flink-s3-fs-hadoop-2.0.0.jar;flink-missing-1.jar"}})
	if got := withS3.Plugins(); strings.Join(got, ",") != "flink-gs-fs-hadoop,flink-s3-fs-hadoop" {
		t.Errorf("plugins %v", got)
	}
	if w := withS3.Warnings(); len(w) != 1 || !strings.Contains(w[0], "flink-missing-1.jar") {
		t.Errorf("warnings %v", w)
	}
	for _, tc := range []struct {
		fs   *FileSystems
		uri  string
		want string
		err  string
	}{
		{plain, "local:///opt/flink/usrlib/my-job.jar", "local", ""},
		{plain, "/opt/flink/usrlib/my-job.jar", "local", ""},
		{plain, "file:///opt/flink/usrlib/my-job.jar", "local", ""},
		{plain, "file:///mnt/shared/job.jar", "shared", ""},
		{plain, "local:///opt/flink/usrlib/other.jar", "", "does not exist in the container"},
		{plain, "s3://jobs/my-job.jar", "", "Could not find a file system implementation for scheme 's3'. The scheme is directly supported by Flink through the following plugin(s): flink-s3-fs-hadoop, flink-s3-fs-presto."},
		{withS3, "s3://jobs/my-job.jar", "remote", ""},
		{withS3, "s3p://jobs/my-job.jar", "", "flink-s3-fs-presto"},
		{withS3, "s3://jobs/none.jar", "", "reading s3://jobs/none.jar"},
		{plain, "hdfs://nn/x.jar", "", "no Hadoop file system"},
		{plain, "http://repo/x.jar", "", "user.artifacts.raw-http-enabled"},
	} {
		b, err := tc.fs.Read(ctx, tc.uri)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.uri, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want it to mention %q", tc.uri, err, tc.err)
		case tc.err == "" && string(b) != tc.want:
			t.Errorf("%s: %q, want %q", tc.uri, b, tc.want)
		}
	}
	if _, err := plain.Read(ctx, "local:///nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing local file: %v", err)
	}
	var unsupported *UnsupportedSchemeError
	if _, err := plain.Read(ctx, "s3://jobs/my-job.jar"); !errors.As(err, &unsupported) {
		t.Errorf("missing plugin: %T", err)
	}
}
