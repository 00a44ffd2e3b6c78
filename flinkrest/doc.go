// Package flinkrest is a client of Flink's REST API (the JobManager's web endpoint),
// speaking Flink's paths and JSON shapes, for the CLIs:
//
//	GET   /jobs/overview                   jobs with id, name, state, start time
//	PATCH /jobs/<jobId>?mode=cancel        cancel a job (202 Accepted)
//	POST  /jars/upload                     multipart form, file field "jarfile"
//	POST  /jars/<jarId>/run                run an uploaded jar: entry class, program
//	                                       arguments, parallelism, savepoint, config
//	GET   /jobs/<jobId>/execution-result   IN_PROGRESS or COMPLETED with the result
//
// A Client takes the *http.Client to use, so callers decide how connections are made:
// over the operating system's network, or over the simulated cluster network in
// tests and scenarios. Answers other than 2xx become *Error, carrying the status and
// the "errors" list Flink puts into its error bodies.
package flinkrest
