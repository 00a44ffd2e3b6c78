// Package flinkfs resolves Flink file system URIs by scheme inside a Flink process,
// as Flink's FileSystem factory does: what a JobManager uses to fetch job jars
// (pipeline.jars, user.artifacts.artifact-list) and what checkpoints and HA state
// would be written through.
//
//   - local:// and plain paths: the container's own files (the image and its
//     mounted volumes);
//   - file://: the container's files, then the cluster's shared file system (the
//     simulated NFS of package dfs) when one is attached;
//   - s3://, s3a://, s3p://, gs://, oss://, abfs://…: only when the file system
//     plugin is enabled — through ENABLE_BUILT_IN_PLUGINS (jar names of
//     $FLINK_HOME/opt, which the image's entrypoint copies into plugins/) or a jar
//     under $FLINK_HOME/plugins/<name>/ — and then served by the attached object
//     store; otherwise the call fails with Flink's UnsupportedFileSystemSchemeException
//     text;
//   - http:// and https://: fetched over the process's network (http:// only with
//     user.artifacts.raw-http-enabled, as Flink's artifact fetcher demands).
//
// The object store is whatever the cluster attaches (package dfs in the simulation);
// on a real cluster none is attached and object-store schemes fail with an error
// that says so.
package flinkfs
