// Package dfs is the simulated distributed file system of flinksim: an in-memory
// store of files addressed by URI, standing in for the remote file systems Flink
// ships artifacts and HA state to.
//
// Two kinds of URIs are served:
//
//   - bucket-style object stores, s3://bucket/key (also s3a, s3p, gs, oss, abfs,
//     hdfs, whose authority plays the bucket): a bucket must be made before files
//     are written into it (MakeBucket), as on S3, where writing into a missing bucket
//     fails with NoSuchBucket;
//   - file:///path, a file system shared by every machine (think NFS): no buckets,
//     directories come into being with their files.
//
// Directories are implied by the files under them, as in an object store: a
// directory exists while a file lies under it. Paths are cleaned (a/./b, a//b);
// ".." that climbs above the bucket or root is refused.
//
// An FS is safe for concurrent use. It implements deployer.ArtifactStore (Exists,
// Put: the deployer's upload of local artifacts) and the method set of
// ha.FileSystem (Create, Read, Delete, Exists, List: HA state files), and Open for
// the JobManager's artifact fetcher. Missing files are errors matching
// fs.ErrNotExist, existing ones fs.ErrExist, a missing bucket ErrNoSuchBucket.
//
// Faults can be injected per operation (SetFault), e.g. to let an upload fail.
//
// Not modelled: permissions, eventual consistency, multipart uploads, timestamps,
// file sizes beyond len(data), streaming.
package dfs
